// SPDX-License-Identifier: MIT
/*
 * hostile_udt_auth.c - lu2k-hostile udt-auth: an insider with a valid key
 * (one the target lists for --src) against a udt lu2kd with keys. It makes a
 * real node handshake (cookie, Noise), the sealed UDT handshake and the
 * sealed hello, then on that connection:
 *
 *   forged     MSG 1 (one packet) sealed, one ciphertext bit flipped
 *   truncated  MSG 2 sealed, cut short
 *   otherkey   MSG 3 sealed under a key of our own
 *   plaintext  MSG 4 as a plaintext UDT4 data packet
 *   otherindex MSG 5 sealed, under another receiver index
 *   reordered  MSG 6 in two packets, the last one first (valid: delivered)
 *   replayed   both records of MSG 6 again, as they were
 *   duplicated both packets of MSG 6 sealed again (new counters, same UDT seqs)
 *   crossconn  a second node handshake from the same socket, whose keys carry
 *              a message addressed to the first connection's socket id
 *
 * and, each on a socket of its own:
 *   nid        an initiation with --key claiming a NID it does not own (--src + 1)
 *   wrongkey   an initiation under a key the target does not list
 *   plainudt   a plaintext UDT4 connection request
 *   abandoned  a whole node handshake, then silence (the target must forget
 *              its keys after its hello_timeout_ms)
 *
 * So the target may deliver exactly one message from --src (MSG 6, once);
 * nid and wrongkey must get no answer, plainudt UDT4's reject. Prints one
 * line per attack and a summary; exit 0 if the honest steps (handshakes,
 * hello) worked and every refusal was one.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/dgram.h"
#include "backends/udt_wire.h"
#include "common/le.h"
#include "hostile.h"
#include "proto/udt/codec.h"

#define HMSS 1400

struct usess {
	int fd;
	struct lu2k_dg_sa sa;
	uint32_t sock_id, isn, peer_id, seq;
};

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd31(void)
{
	uint32_t v = 1;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)mono();
	v &= 0x7fffffffu;
	return v ? v : 1;
}

static int usock(const struct hostile_auth *a)
{
	int fd = socket(a->target->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)a->target, a->target_len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One datagram within ms, or -1. */
static ssize_t recv_ms(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	if (poll(&pf, 1, ms) <= 0)
		return -1;
	return recv(fd, buf, cap, 0);
}

/*
 * The node handshake from a socket: 0 and the SA, or -1 (no answer in time).
 * claim: the source NID the initiation names.
 */
static int node_hs(int fd, const struct lu2k_hs_local *me, const struct lu2k_key *peer,
		   const struct lu2k_nid *claim, const struct lu2k_nid *dst, struct lu2k_dg_sa *sa,
		   uint64_t timeout_ns)
{
	static uint64_t last;
	struct lu2k_dg_out o;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	uint8_t buf[2048];
	uint64_t end = mono() + timeout_ns;
	int r = -1;

	lu2k_key_generate(&e);
	if (lu2k_dg_out_start(&o, me, peer, &e, lu2k_hs_next_ts(&last, wall()), rnd31(), claim, dst,
			      mono(), timeout_ns, lu2k_dg_caps()))
		return -1;
	lu2k_key_wipe(&e);
	while (mono() < end) {
		const uint8_t *m;
		ssize_t n = lu2k_dg_out_poll(&o, mono(), &m);

		if (n < 0)
			break;
		if (n > 0 && send(fd, m, (size_t)n, 0) < 0)
			break;
		n = recv_ms(fd, buf, sizeof(buf), 50);
		if (n > 0 && lu2k_dg_out_recv(&o, me, buf, (size_t)n, mono(), &k) == 2) {
			lu2k_dg_sa_init(sa, &k, NULL, mono(), o.suite);
			r = 0;
			break;
		}
	}
	lu2k_dg_out_wipe(&o);
	return r;
}

/* Seal a UDT packet (n bytes at rec + LU2K_AEAD_HDR) in place; the record's length. */
static size_t seal(struct usess *s, uint8_t *rec, size_t n)
{
	ssize_t r = lu2k_dg_seal(&s->sa, mono(), rec, n, 2048);

	if (r < 0)
		abort();
	return (size_t)r;
}

/* The sealed UDT handshake: 0 once the target answered (peer_id set). */
static int udt_hs(struct usess *s)
{
	struct udt_hs hs = { .version = UDT_VERSION,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = s->isn,
			     .mss = HMSS,
			     .flight = 25600,
			     .req_type = UDT_HS_RSP_REGULAR,
			     .sock_id = s->sock_id };
	uint8_t rec[2048], in[2048];

	for (int tries = 0; tries < 12; tries++) {
		size_t n = udt_hs_encode(rec + LU2K_AEAD_HDR, 256, 0, 0, &hs);
		uint64_t end = mono() + 250000000ull;

		send(s->fd, rec, seal(s, rec, n), 0);
		while (mono() < end) {
			ssize_t r = recv_ms(s->fd, in, sizeof(in), 50);
			struct udt_hdr h;
			struct udt_hs got;

			if (r <= 0 || lu2k_dg_open(&s->sa, mono(), in, (size_t)r) < 0)
				continue;
			if (udt_hdr_decode(in + LU2K_AEAD_HDR, (size_t)r - LU2K_AEAD_OVERHEAD,
					   &h) ||
			    !h.ctrl || h.type != UDT_CT_HANDSHAKE || udt_hs_decode(&h, &got) ||
			    got.req_type != UDT_HS_RSP_REGULAR)
				continue;
			s->peer_id = got.sock_id;
			s->seq = s->isn;
			return 0;
		}
	}
	return -1;
}

/* A data packet (UDT header + body) at out; its length. */
static size_t data_pkt(struct usess *s, uint32_t seq, uint32_t word, const void *body, size_t len,
		       uint8_t *out)
{
	size_t n = udt_data_encode_hdr(out, 2048, seq, word, 0, s->peer_id);

	memcpy(out + n, body, len);
	return n + len;
}

/* A MSG frame for --dst with 72 bytes of "LNet header" and 100 of payload. */
static size_t msg_frame(const struct hostile_auth *a, uint8_t *out, int fill)
{
	struct lu2k_udtw_msg m = { .hdr_len = 72, .payload_len = 100, .target = a->dst };

	lu2k_udtw_msg_encode(out, &m);
	memset(out + LU2K_UDTW_MSG_HLEN, fill, 172);
	return LU2K_UDTW_MSG_HLEN + 172;
}

/* A solo-packet message: sealed into rec; returns the record's length. */
static size_t sealed_msg(struct usess *s, const struct hostile_auth *a, uint32_t msgno,
			 uint8_t *rec)
{
	uint8_t f[512];
	size_t fl = msg_frame(a, f, 'A' + (int)msgno);
	size_t n = data_pkt(s, s->seq, UDT_MSG_WORD(UDT_PB_SOLO, 0, msgno), f, fl,
			    rec + LU2K_AEAD_HDR);

	s->seq = (s->seq + 1) & 0x7fffffffu;
	return seal(s, rec, n);
}

static void say(const char *what, const char *how)
{
	printf("lu2k-hostile: udt-auth %s: %s\n", what, how);
	fflush(stdout);
}

/* A refused initiation gets no answer at all (1), or an answer (0: the attack passed). */
static int refused_hs(const struct hostile_auth *a, const struct lu2k_hs_local *me,
		      const struct lu2k_nid *claim, const char *name)
{
	struct lu2k_dg_sa sa;
	int fd = usock(a), r;

	if (fd < 0)
		return 0;
	/* an answer would take a round trip; 1.5 s is many of them */
	r = node_hs(fd, me, &a->peer, claim, &a->dst, &sa, 1500000000ull);
	close(fd);
	if (!r) {
		say(name, "ANSWERED by the target");
		lu2k_dg_sa_wipe(&sa);
		return 0;
	}
	say(name, "no answer (refused)");
	return 1;
}

static int plain_udt(const struct hostile_auth *a)
{
	struct udt_hs hs = { .version = UDT_VERSION,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = rnd31(),
			     .mss = HMSS,
			     .flight = 25600,
			     .req_type = UDT_HS_REQ_REGULAR,
			     .sock_id = rnd31() };
	uint8_t buf[256];
	int fd = usock(a), ok = 0;
	size_t n = udt_hs_encode(buf, sizeof(buf), 0, 0, &hs);
	ssize_t r;

	if (fd < 0)
		return 0;
	send(fd, buf, n, 0);
	r = recv_ms(fd, buf, sizeof(buf), 2000);
	if (r > 0) {
		struct udt_hdr h;
		struct udt_hs got;

		ok = !udt_hdr_decode(buf, (size_t)r, &h) && h.ctrl && h.type == UDT_CT_HANDSHAKE &&
		     !udt_hs_decode(&h, &got) && got.req_type == UDT_HS_REJECT;
	}
	say("plainudt", ok ? "rejected (UDT4 reject)" : "NOT rejected");
	close(fd);
	return ok;
}

int hostile_udt_auth(const struct hostile_auth *a)
{
	uint8_t r1[2048], r2[2048], x[2048], f[512];
	struct lu2k_hs_local stranger;
	struct lu2k_nid other = a->src;
	struct usess s = { 0 };
	unsigned int passed = 0, n_att = 0;
	size_t n1, n2, n, fl;
	uint32_t seq_first;

	if (lu2k_auth_init())
		return 1;
	s.fd = usock(a);
	s.sock_id = rnd31();
	s.isn = rnd31();
	if (s.fd < 0 ||
	    node_hs(s.fd, &a->local, &a->peer, &a->src, &a->dst, &s.sa, 5000000000ull) ||
	    udt_hs(&s)) {
		say("handshake", "failed");
		return 1;
	}
	say("handshake", "node handshake and sealed UDT handshake done");
	{
		struct lu2k_udtw_hello h = { .version = LU2K_UDTW_VERSION };

		snprintf(h.backend, sizeof(h.backend), "udt");
		h.src = a->src;
		h.dst = a->dst;
		lu2k_udtw_hello_encode(f, &h);
		n = data_pkt(&s, s.seq, UDT_MSG_WORD(UDT_PB_SOLO, 0, 1), f, LU2K_UDTW_HELLO_LEN,
			     x + LU2K_AEAD_HDR);
		s.seq = (s.seq + 1) & 0x7fffffffu;
		send(s.fd, x, seal(&s, x, n), 0);
	}
	usleep(100000);

	n = sealed_msg(&s, a, 2, x);
	x[LU2K_AEAD_HDR + 20] ^= 4;
	send(s.fd, x, n, 0);
	say("forged", "sent (a ciphertext bit flipped)");
	n = sealed_msg(&s, a, 3, x);
	send(s.fd, x, n - 40, 0);
	say("truncated", "sent (40 bytes short)");
	{
		struct lu2k_aead_tx keep = s.sa.tx;

		for (int i = 0; i < 32; i++)
			s.sa.tx.key[i] ^= (uint8_t)(0x5a + i);
		n = sealed_msg(&s, a, 4, x);
		s.sa.tx = keep;
		send(s.fd, x, n, 0);
		say("otherkey", "sent (sealed under a key of our own)");
	}
	fl = msg_frame(a, f, 'E');
	n = data_pkt(&s, s.seq, UDT_MSG_WORD(UDT_PB_SOLO, 0, 5), f, fl, x);
	s.seq = (s.seq + 1) & 0x7fffffffu;
	send(s.fd, x, n, 0);
	say("plaintext", "sent (a UDT4 data packet where a record belongs)");
	n = sealed_msg(&s, a, 6, x);
	lu2k_put_le32(x + 4, lu2k_get_le32(x + 4) ^ 0x00100000u);
	send(s.fd, x, n, 0);
	say("otherindex", "sent (another receiver index)");
	n_att = 5;

	/* MSG 7, the one valid message: two packets, the last first */
	fl = msg_frame(a, f, 'G');
	seq_first = s.seq;
	n1 = data_pkt(&s, seq_first, UDT_MSG_WORD(UDT_PB_FIRST, 0, 7), f, 100, r1 + LU2K_AEAD_HDR);
	n2 = data_pkt(&s, (seq_first + 1) & 0x7fffffffu, UDT_MSG_WORD(UDT_PB_LAST, 0, 7), f + 100,
		      fl - 100, r2 + LU2K_AEAD_HDR);
	s.seq = (seq_first + 2) & 0x7fffffffu;
	memcpy(x, r1 + LU2K_AEAD_HDR, n1); /* kept for the duplicates */
	n1 = seal(&s, r1, n1);
	memcpy(f, r2 + LU2K_AEAD_HDR, n2);
	n2 = seal(&s, r2, n2);
	send(s.fd, r2, n2, 0);
	send(s.fd, r1, n1, 0);
	say("reordered", "sent (MSG 7's last packet before its first: valid)");
	usleep(200000);
	for (int i = 0; i < 3; i++) {
		send(s.fd, r1, n1, 0);
		send(s.fd, r2, n2, 0);
	}
	say("replayed", "sent (MSG 7's records 3 more times)");
	{
		uint8_t d1[2048], d2[2048];

		memcpy(d1 + LU2K_AEAD_HDR, x, n1 - LU2K_AEAD_OVERHEAD);
		memcpy(d2 + LU2K_AEAD_HDR, f, n2 - LU2K_AEAD_OVERHEAD);
		send(s.fd, d1, seal(&s, d1, n1 - LU2K_AEAD_OVERHEAD), 0);
		send(s.fd, d2, seal(&s, d2, n2 - LU2K_AEAD_OVERHEAD), 0);
	}
	say("duplicated", "sent (MSG 7's packets sealed again)");
	n_att += 3;
	{
		struct usess s2 = { .fd = s.fd };

		/* same address and port: only the keys tell the connections apart */
		if (!node_hs(s2.fd, &a->local, &a->peer, &a->src, &a->dst, &s2.sa, 5000000000ull)) {
			/* the first connection's socket id and next sequence, under s2's keys */
			s2.peer_id = s.peer_id;
			s2.seq = s.seq;
			n = sealed_msg(&s2, a, 8, x);
			send(s2.fd, x, n, 0);
			say("crossconn", "sent (a record under another connection's keys)");
			n_att++;
		}
		lu2k_dg_sa_wipe(&s2.sa);
	}
	usleep(300000);

	/* the handshake refusals */
	other.addr[other.size ? other.size - 1 : 0] ^= 1;
	passed += (unsigned int)refused_hs(a, &a->local, &other, "nid");
	lu2k_key_generate(&stranger.priv);
	lu2k_key_public(&stranger.pub, &stranger.priv);
	stranger.has_psk = false;
	passed += (unsigned int)refused_hs(a, &stranger, &a->src, "wrongkey");
	lu2k_key_wipe(&stranger.priv);
	passed += (unsigned int)plain_udt(a);
	n_att += 3;
	{
		struct lu2k_dg_sa ab;
		int fd = usock(a);

		if (fd >= 0 &&
		    !node_hs(fd, &a->local, &a->peer, &a->src, &a->dst, &ab, 5000000000ull)) {
			say("abandoned", "node handshake done, then silence");
			lu2k_dg_sa_wipe(&ab);
			n_att++;
		}
		if (fd >= 0)
			close(fd);
	}
	printf("lu2k-hostile: udt-auth: %u attacks, %u of 3 handshake attacks refused\n", n_att,
	       passed);
	close(s.fd);
	lu2k_dg_sa_wipe(&s.sa);
	return passed == 3 ? 0 : 1;
}
