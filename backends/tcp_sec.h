/* SPDX-License-Identifier: MIT */
/*
 * tcp_sec.h - the tcp back-end with keys ([auth] in lu2kd.conf): every
 * connection starts with the node handshake (auth/hs.h) and then carries
 * only sealed records (auth/aead.h), each prefixed by its length:
 *
 *   connector                                      listener
 *   initiation (180 bytes, raw)  ---------------->  allow-list: key, NID
 *                                <----------------  response (76 bytes, raw)
 *   [len][record: HELLO, MSG ...] --------------->  (the plaintext protocol
 *                                <----------------   of doc/protocol.txt
 *                                                    inside the records)
 *
 * len is a u32, little-endian, authenticated with its record; a record holds
 * at most TCP_SEC_REC_MAX bytes of the plaintext stream. The hello inside
 * must name the NIDs the handshake proved. The connector sends nothing but
 * its initiation until the response has come (1 RTT more than without
 * keys), and the core hears connected() only then.
 *
 * The cipher of the records: AES-256-GCM where both ends' CPUs run it in
 * hardware, else ChaCha20-Poly1305; each end offers its caps in its
 * handshake message, where the transcript authenticates them (hs.h), so a
 * changed offer fails the handshake, logged, instead of a record that never
 * opens.
 *
 * The hooks here stand in for writev/readv in tcp_io.c, so that the framing,
 * the acks and the RX-pool reads above them are the same with and without
 * keys. A record that does not open, a length out of bounds or a handshake
 * refused closes that connection only, with a rate-limited log line.
 */
#ifndef LU2K_BACKENDS_TCP_SEC_H
#define LU2K_BACKENDS_TCP_SEC_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "auth/aead.h"
#include "auth/hs.h"

#define TCP_SEC_REC_MAX	 (16 * 1024)
#define TCP_SEC_WIRE_MAX (4 + LU2K_AEAD_OVERHEAD + TCP_SEC_REC_MAX)
/*
 * Records are read and written TCP_SEC_BUF bytes at a time, several to a
 * system call: one record a call made every record a wake-up of the other
 * daemon, and on a busy host each wake-up waits for a CPU.
 */
#ifndef TCP_SEC_BUF
#define TCP_SEC_BUF (64 * 1024)
#endif

struct lu2k_be_conn;

enum tcp_sec_state { TCP_SEC_HS, TCP_SEC_UP };

struct tcp_sec {
	enum tcp_sec_state state;
	struct lu2k_hs hs; /* connector: our initiation's state */
	uint8_t hsbuf[LU2K_HS_INIT_LEN];
	uint32_t hslen;
	struct lu2k_nid src, dst; /* listener: the NIDs the handshake proved */
	struct lu2k_aead_limits lim;
	struct lu2k_aead_tx tx;
	struct lu2k_aead_rx rx;
	uint8_t in[TCP_SEC_BUF]; /* records read, not yet opened */
	uint32_t in_off, in_len;
	uint8_t plain[TCP_SEC_REC_MAX]; /* opened, not yet taken */
	uint32_t p_off, p_len;
	uint8_t out[TCP_SEC_BUF]; /* sealed, not yet written */
	uint32_t o_off, o_len;
};

/* Connector, connect() done: send the initiation. 0 or -errno (logged). */
int tcp_sec_start_out(struct lu2k_be_conn *c);
/* Listener, accepted: wait for the initiation. 0 or -ENOMEM. */
int tcp_sec_start_in(struct lu2k_be_conn *c);

/*
 * Readable during the handshake. Returns 1 when it is done (connector: the
 * caller goes on as after connect(); listener: the sealed hello follows), 0
 * if more bytes are needed, or -errno: the connection must fail (logged).
 */
int tcp_sec_handshake_read(struct lu2k_be_conn *c);

/* writev/readv through the records; same return conventions (errno set). */
ssize_t tcp_sec_writev(struct lu2k_be_conn *c, const struct iovec *iov, int n);
ssize_t tcp_sec_readv(struct lu2k_be_conn *c, const struct iovec *iov, int n);

/* Sealed bytes not yet written / plaintext (or whole records) not yet taken. */
bool tcp_sec_out_pending(const struct lu2k_be_conn *c);
bool tcp_sec_in_pending(const struct lu2k_be_conn *c);

/* The hello inside names what the handshake proved (listener side). */
struct lu2k_json;
/* lu2kctl conns: "auth", and once sealed the cipher. */
void tcp_sec_conn_info(const struct lu2k_be_conn *c, struct lu2k_json *j);

bool tcp_sec_hello_ok(const struct lu2k_be_conn *c, const struct lu2k_nid *src,
		      const struct lu2k_nid *dst);

/* Wipe the keys (on close); free (after the loop's batch). */
void tcp_sec_wipe(struct lu2k_be_conn *c);
void tcp_sec_free(struct lu2k_be_conn *c);

#endif
