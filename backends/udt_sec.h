/* SPDX-License-Identifier: MIT */
/*
 * udt_sec.h - the udt back-end with keys ([auth] in lu2kd.conf): before its
 * UDT handshake, every connection runs the node handshake over its UDP
 * socket (auth/dgram.h: a cookie round trip, then Noise IKpsk2), and from
 * then on every UDT packet, data and control, the UDT handshake included,
 * travels as one sealed record:
 *
 *   connector                                      listener
 *   INIT                          ---------------> mac1 ok: COOKIE, no state
 *                                 <--------------- COOKIE (sealed for the connector)
 *   INIT + cookie                 ---------------> allow-list: key, NID; keys kept
 *                                 <--------------- RESP
 *   [UDT handshake request]       ---------------> taken without UDT's cookie
 *                                 <--------------- [UDT handshake response]
 *   [hello], [data], [ACK] ...    <--------------> (udt_conn.c, unchanged)
 *
 * So a connection costs one round trip more than without keys (UDT's own
 * cookie round trip is not needed inside: the node handshake proved the
 * address). A security association (SA) is the keys of one UDT connection;
 * records name it by the receiver's index, and it is bound to the peer's
 * address and port: a record under another connection's keys, or from
 * elsewhere, is dropped. A datagram that is none of these (a plaintext UDT4
 * peer, a forged or replayed record) is dropped before the UDT header is
 * read, with a rate-limited log line; a plaintext UDT4 handshake request is
 * answered with UDT4's reject, so that the peer fails at once.
 *
 * The engine runs with its mss lowered by the 32 bytes of a record. The
 * hooks: udt_io.c opens each datagram here first (udtb_sec_recv) and seals
 * each packet it writes (udtb_sec_seal); udt.c starts the handshake of an
 * outgoing connection, binds an accepted one to its SA, and wipes the keys
 * when a connection is freed.
 */
#ifndef LU2K_BACKENDS_UDT_SEC_H
#define LU2K_BACKENDS_UDT_SEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/dgram.h"
#include "common/loop.h"
#include "udt_demux.h"

struct lu2k_be;
struct lu2k_be_conn;
struct lu2k_be_listener;
struct udtb_sock;
struct lu2k_json;

struct udtb_sa {
	struct lu2k_dg_sa k;
	uint32_t index; /* ours: records to us name it */
	bool up;	/* keys agreed */
	struct udt_dmx_addr peer;
	struct lu2k_nid src, dst; /* the NIDs the handshake proved (src: the connector's) */
	struct lu2k_be_conn *conn;
	struct lu2k_be_listener *l; /* listener side */
	/* listener, until its UDT connection comes: a repeated INIT gets resp again */
	uint8_t mac1[16];
	uint8_t resp[LU2K_DG_RESP_LEN]; /* the response (our caps in it) */
	uint64_t expires_ns;
	struct lu2k_list link;
	struct lu2k_dg_out *out; /* connector, while handshaking */
};

struct udtb_sec_stats {
	uint64_t cookies, hs_in, hs_out, hs_repeats, hs_refused, hs_bad_mac, hs_failed_out;
	uint64_t records_rx, records_tx, records_bad, records_unknown, records_wrong_conn;
	uint64_t plain_udt, other, sa_expired, sa_limit, prev_key_opened;
	uint64_t cookies_bad, old_version, hs_rate_limited;
};

struct udtb_sec {
	uint8_t secret[32]; /* cookies */
	struct udtb_sa **slots;
	uint32_t nslots, used, hint, gen;
	struct lu2k_list pending; /* listener SAs without their connection yet, oldest first */
	uint32_t npending;
	struct lu2k_timer timer;
	struct lu2k_be *be;
	struct udtb_sec_stats st;
};

int udtb_sec_create(struct lu2k_be *be);
void udtb_sec_destroy(struct lu2k_be *be);

/* Outgoing: the SA and the handshake's start (the first INIT goes at the next flush). */
int udtb_sec_connect(struct lu2k_be_conn *c);
/* The UDT engine may run: keys off, or the handshake is done. */
bool udtb_sec_ready(const struct lu2k_be_conn *c);
/* Handshake not done: its next deadline; send what is due (fails c on timeout). */
uint64_t udtb_sec_deadline(const struct lu2k_be_conn *c);
void udtb_sec_poll(struct lu2k_be_conn *c, uint64_t now);

/*
 * A datagram read from s, before anything else looks at it. Returns the SA
 * it opened under (*pkt and *len then name the UDT packet inside), or NULL:
 * handled here (a handshake message) or dropped.
 */
struct udtb_sa *udtb_sec_recv(struct udtb_sock *s, uint8_t **pkt, size_t *len,
			      const struct sockaddr *sa, socklen_t salen, uint64_t now);

/*
 * A sealed UDT request to a listener: its cookie is put in (the node
 * handshake proved the address). Returns the packet's length.
 */
size_t udtb_sec_fix_cookie(struct lu2k_be_listener *l, uint8_t *pkt, size_t len,
			   const struct udt_dmx_addr *a, uint64_t now);

/* An accepted connection takes its SA: 0, or -EEXIST if the SA has one already. */
int udtb_sec_bind(struct lu2k_be_conn *c, struct udtb_sa *sa);

/* Seals the packet at slot + LU2K_AEAD_HDR (n bytes): the record's length, 0 on error. */
size_t udtb_sec_seal(struct lu2k_be_conn *c, uint8_t *slot, size_t n, size_t cap, uint64_t now);

/* One packet now, sealed when sa (dropped if sa is not up). */
void udtb_sec_sendto(struct udtb_sock *s, struct udtb_sa *sa, const void *pkt, size_t len,
		     const struct sockaddr *to, socklen_t tolen);

/* The hello names the NIDs the handshake proved. */
bool udtb_sec_hello_ok(const struct lu2k_be_conn *c, const struct lu2k_nid *src,
		       const struct lu2k_nid *dst);

/* Listener SAs waiting for their UDT connection from a's /24 or /64 (0 with keys off). */
uint32_t udtb_sec_pending_in_net(const struct lu2k_be *be, const struct udt_dmx_addr *a);

/* The connection goes: its keys are wiped. */
void udtb_sec_conn_free(struct lu2k_be_conn *c);
/* A listener goes: the SAs waiting for a connection on it too. */
void udtb_sec_unlisten(struct lu2k_be_listener *l);

void udtb_sec_stats(struct lu2k_be *be, struct lu2k_json *j);
void udtb_sec_conn_info(const struct lu2k_be_conn *c, struct lu2k_json *j);
const char *udtb_sec_suite_name(uint8_t suite);

#endif
