// SPDX-License-Identifier: MIT
/*
 * fuzz_udt_sec.c - libFuzzer target for sealed udt (backends/udt_sec.c and
 * what it opens for: auth/dgram.c, the UDT engine and the udt wire behind
 * it). The whole udt back-end runs with keys on, on 127.0.0.1, and the
 * harness is a remote peer with a listed key, as an attacker with a key of
 * its own (or none) would be: real UDP datagrams, the daemon's event loop
 * run between them. One back-end, listener and pair of harness sockets per
 * process (made per input, they held the target near 500 executions a
 * second); each input ends with every connection closed and freed and the
 * listener's handshakes forgotten (unlisten, listen again), so that a leak
 * of a connection still shows as one. What an input leaves behind is what
 * a daemon keeps across connections: counters, the initiators' replay
 * timestamps, the cookie secret.
 *
 * Input: byte 0 is flags:
 *   bit 0  side: 0 the harness connects to the back-end's listener (two
 *          sockets, two source ports); 1 the back-end connects out to the
 *          harness, which answers as the responder
 *   bit 1  the honest node handshake first (cookie, Noise): a session key
 *   bit 2  then the honest sealed UDT handshake (the peer's socket id)
 *   bit 3  then the honest sealed hello (listener side)
 * Then ops, each an op byte, a length byte and that many bytes (p):
 *   op & 7 = 0  p sent as it is
 *            1  p sealed under the session key (raw without one); op bit 4:
 *               the peer's UDT socket id written into p's UDT header first
 *            2  a datagram of the history (sent or received) again, as it was
 *            3  the same, one byte changed and cut short: p[0] which, p[1..2]
 *               where, p[3] xor, p[4] bytes off the end
 *            4  a new honest node handshake (new keys replace the session's)
 *            5  a sealed UDT data packet for the peer's socket id, next
 *               sequence, p its body; op bits 4-5 its position (solo, first,
 *               middle, last), bit 6 a new message number
 *            6  loop rounds: p[0] > 0xf0 waits up to 1 ms (timers due)
 *            7  a sealed UDT handshake (request or response, as the side's
 *               honest one), fields from p
 *   op bit 3 (listener side): from the second socket
 * Checked: no upcall for a connection nobody holding a key could make (no
 * session: nothing accepted, connected or received), every receive buffer
 * begun is ended, closed() at most once per connection, no message over the
 * maximum; with the back-end destroyed, no leak.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/dgram.h"
#include "auth/peers.h"
#include "backends/backend.h"
#include "backends/udt_be.h"
#include "backends/udt_wire.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/nid.h"
#include "proto/udt/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct lu2k_backend_ops lu2k_backend_udt;

#define MAX_MSG	 (64u << 10)
#define HIST	 32
#define HIST_LEN 2048
#define HMSS	 1400

static struct lu2k_loop L;
/* the back-end, its listener and the harness's sockets: once per process */
static struct lu2k_be *be;
static struct lu2k_be_listener *lis;
static uint16_t lport, hport;
static int hfd[2];
static struct lu2k_auth auth;	   /* the back-end's keys: it lists the harness's */
static struct lu2k_hs_local peer;  /* the harness's key */
static struct lu2k_hs_replay rrep; /* the harness as responder: the back-end's timestamps */
static struct lu2k_nid me;
static uint64_t last_ts;
static uint8_t rxmem[MAX_MSG + 4096];

static struct {
	struct lu2k_be *be;
	uint16_t port;	       /* the back-end's listener */
	int fd[2];	       /* the harness's sockets; fd[0] bound (the connector side's peer) */
	uint16_t hport;	       /* fd[0]'s port */
	struct sockaddr_in to; /* where the harness sends */
	bool have_to;
	bool outside; /* the back-end connects out */
	bool keyed;   /* a session key was ever agreed: upcalls may happen */
	struct lu2k_dg_sa sa;
	bool sa_up;
	uint32_t peer_id, my_id, seq, isn, msgno;
	struct udt_hs req; /* the back-end's latest sealed UDT handshake */
	bool have_req;
	uint8_t hist[HIST][HIST_LEN];
	size_t hlen[HIST];
	unsigned int nhist;
	int accepted, connected, closed, begun, ended, out_closed;
	int hs_ok, hs_failed; /* the harness's node handshakes as connector */
} st;

static uint64_t mono(void)
{
	return lu2k_loop_now_ns();
}

static uint64_t wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the core's side ---- */

static void *up_accepted(void *core, struct lu2k_be_conn *c, const struct lu2k_nid *src,
			 const struct lu2k_nid *dst, int *status)
{
	if (!st.keyed)
		abort(); /* a connection without keys reached the core */
	if (!lu2k_nid_eq(dst, &me)) {
		*status = -ENXIO;
		return NULL;
	}
	st.accepted++;
	return &st;
}

static void up_connected(void *ctx)
{
	if (!st.keyed || !st.outside)
		abort();
	st.connected++;
}

static void up_closed(void *ctx, int err)
{
	if (err >= 0)
		abort();
	if (ctx == &st.out_closed) {
		if (st.out_closed++)
			abort();
		return;
	}
	if (++st.closed > st.accepted)
		abort();
}

static void up_sent(void *ctx, struct lu2k_be_msg *m, int status)
{
	abort(); /* nothing is sent here */
}

static void up_writable(void *ctx)
{
}

static int up_rx_begin(void *ctx, const struct lu2k_nid *target, struct lu2k_be_rxbuf *b)
{
	uint64_t len = (uint64_t)b->hdr_len + b->payload_len;

	if (!st.keyed || len > MAX_MSG)
		abort();
	b->data = rxmem;
	b->off = 0;
	st.begun++;
	return 0;
}

static int up_rx_end(void *ctx, struct lu2k_be_rxbuf *b, int status)
{
	if (++st.ended > st.begun)
		abort();
	return status;
}

/* ---- the harness's peer ---- */

static void hist_add(const uint8_t *p, size_t n)
{
	unsigned int i = st.nhist++ % HIST;

	if (n > HIST_LEN)
		n = HIST_LEN;
	memcpy(st.hist[i], p, n);
	st.hlen[i] = n;
}

static void rounds(int n)
{
	for (int i = 0; i < n; i++)
		lu2k_loop_once(&L, 0);
}

static void send_dg(int which, const uint8_t *p, size_t n)
{
	if (!st.have_to)
		return;
	hist_add(p, n);
	sendto(st.fd[st.outside ? 0 : which], p, n, 0, (const struct sockaddr *)&st.to,
	       sizeof(st.to));
}

/* What the back-end sent us: into the history; the first one's source is where we send. */
static ssize_t recv_dg(int which, uint8_t *buf, size_t cap)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(st.fd[which], buf, cap, 0, (struct sockaddr *)&from, &fl);

	if (n > 0) {
		hist_add(buf, (size_t)n);
		if (!st.have_to) {
			st.to = from;
			st.have_to = true;
		}
	}
	return n;
}

static void drain(void)
{
	uint8_t buf[HIST_LEN];

	for (int w = 0; w < 2; w++)
		while (recv_dg(w, buf, sizeof(buf)) >= 0)
			;
}

static void sa_set(struct lu2k_hs_keys *k, uint8_t suite)
{
	if (st.sa_up)
		lu2k_dg_sa_wipe(&st.sa);
	lu2k_dg_sa_init(&st.sa, k, NULL, mono(), suite);
	lu2k_hs_keys_wipe(k);
	st.sa_up = true;
	st.keyed = true;
}

/* Connector: the node handshake with the back-end's listener. 0 once keys are agreed. */
static int node_hs_out(int which)
{
	static uint32_t index = 1;
	struct lu2k_dg_out o;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	uint8_t buf[HIST_LEN];
	int r = -1;

	lu2k_key_generate(&e);
	if (lu2k_dg_out_start(&o, &peer, &auth.local.pub, &e, lu2k_hs_next_ts(&last_ts, wall()),
			      index++, &me, &me, mono(), 5000000000ull, lu2k_dg_caps()))
		abort();
	lu2k_key_wipe(&e);
	for (int i = 0; i < 20 && r; i++) {
		const uint8_t *m;
		ssize_t n = lu2k_dg_out_poll(&o, mono(), &m);

		if (n > 0)
			send_dg(which, m, (size_t)n);
		rounds(2);
		while (r && (n = recv_dg(which, buf, sizeof(buf))) > 0) {
			int got = lu2k_dg_out_recv(&o, &peer, buf, (size_t)n, mono(), &k);

			if (got == 2) {
				sa_set(&k, o.suite);
				r = 0;
			}
		}
	}
	lu2k_dg_out_wipe(&o);
	if (r)
		st.hs_failed++;
	else
		st.hs_ok++;
	return r;
}

static int allow_backend(void *ud, const struct lu2k_hs_claim *c, struct lu2k_hs_replay **r)
{
	if (memcmp(c->peer_pub.b, auth.local.pub.b, 32))
		return LU2K_HS_EUNKNOWN;
	*r = &rrep;
	return 0;
}

/*
 * Listener: the back-end's newest initiation without a cookie gets a forged
 * cookie reply (one byte changed: the connector drops it) and then a real
 * one, sealed under the harness's key, so that the connector's cookie path
 * runs and its next initiation carries the cookie.
 */
static void cookie_in(void)
{
	static const uint8_t hsecret[32] = { 0x33 };
	uint8_t reply[LU2K_DG_COOKIE_LEN], bad[LU2K_DG_COOKIE_LEN], nonce[LU2K_DG_NONCE_LEN];

	for (unsigned int j = 0; j < HIST && j < st.nhist; j++) {
		unsigned int i = (st.nhist - 1 - j) % HIST;

		if (lu2k_dg_classify(st.hist[i], st.hlen[i]) != LU2K_DG_INIT)
			continue;
		randombytes_buf(nonce, sizeof(nonce));
		if (lu2k_dg_check_init(hsecret, &peer, st.hist[i], st.hlen[i], "fuzz", 4, mono(),
				       nonce, reply) != 1)
			return;
		memcpy(bad, reply, sizeof(bad));
		bad[40] ^= 1;
		send_dg(0, bad, sizeof(bad));
		send_dg(0, reply, sizeof(reply));
		rounds(2);
		drain();
		return;
	}
}

/* Responder: the back-end's initiation (the newest INIT in the history) answered. */
static int node_hs_in(void)
{
	uint8_t resp[LU2K_DG_RESP_LEN];
	struct lu2k_hs_claim claim;
	struct lu2k_hs_keys k;
	struct lu2k_key e;
	int rc = -1;

	for (int i = 0; i < 10 && !st.have_to; i++) {
		rounds(1);
		drain();
	}
	cookie_in();
	for (unsigned int j = 0; j < HIST && j < st.nhist && rc; j++) {
		unsigned int i = (st.nhist - 1 - j) % HIST;
		enum lu2k_dg_kind kind = lu2k_dg_classify(st.hist[i], st.hlen[i]);

		if (kind != LU2K_DG_INIT && kind != LU2K_DG_INIT_COOKIE)
			continue;
		lu2k_key_generate(&e);
		rc = lu2k_hs_respond(&peer, st.hist[i], LU2K_HS_INIT_LEN, allow_backend, NULL, &e,
				     0x51ed, &claim, resp, &k);
		lu2k_key_wipe(&e);
		if (rc)
			return rc;
		sa_set(&k, k.suite);
		send_dg(0, resp, sizeof(resp));
		rounds(2);
		drain();
	}
	return rc;
}

/* Seal the n bytes at rec + LU2K_AEAD_HDR and send; raw when there is no session. */
static void send_sealed(int which, uint8_t *rec, size_t n)
{
	ssize_t r;

	if (!st.sa_up) {
		send_dg(which, rec + LU2K_AEAD_HDR, n);
		return;
	}
	r = lu2k_dg_seal(&st.sa, mono(), rec, n, HIST_LEN);
	if (r > 0)
		send_dg(which, rec, (size_t)r);
}

/* The newest sealed record from the back-end that opens: its UDT handshake, decoded. */
static bool peer_hs(struct udt_hs *hs)
{
	for (unsigned int j = 0; j < HIST && j < st.nhist; j++) {
		unsigned int i = (st.nhist - 1 - j) % HIST;
		uint8_t b[HIST_LEN];
		struct udt_hdr h;
		ssize_t r;

		if (lu2k_dg_classify(st.hist[i], st.hlen[i]) != LU2K_DG_RECORD)
			continue;
		memcpy(b, st.hist[i], st.hlen[i]);
		/* our own records (history has both) do not open under our receive key */
		r = lu2k_dg_open(&st.sa, mono(), b, st.hlen[i]);
		if (r > 0 && !udt_hdr_decode(b + LU2K_AEAD_HDR, (size_t)r, &h) && h.ctrl &&
		    h.type == UDT_CT_HANDSHAKE && !udt_hs_decode(&h, hs)) {
			st.req = *hs;
			st.have_req = true;
			return true;
		}
	}
	/* each record opens once: an older one, already read */
	if (st.have_req)
		*hs = st.req;
	return st.have_req;
}

/* The side's UDT handshake packet: a request with cookie, or the listener's response. */
static void udt_hs_send(int which, const uint8_t *p, size_t n)
{
	struct udt_hs hs = { .version = UDT_VERSION,
			     .sock_type = UDT_SOCK_DGRAM,
			     .isn = st.isn,
			     .mss = HMSS,
			     .flight = 25600,
			     .req_type = UDT_HS_RSP_REGULAR,
			     .sock_id = st.my_id };
	uint8_t rec[HIST_LEN];
	uint32_t dst = 0;
	size_t len;

	if (st.outside) {
		struct udt_hs req;

		if (!st.sa_up || !peer_hs(&req))
			return;
		/* the listener's answer echoes the connector's sequence */
		hs.isn = req.isn;
		hs.cookie = req.cookie;
		dst = req.sock_id;
		st.peer_id = req.sock_id;
		st.seq = req.isn; /* both ends start at the connector's */
	}
	if (n >= 4)
		hs.mss = (int32_t)(p[0] << 8 | p[1]) + 32;
	if (n >= 8)
		hs.flight = (int32_t)(p[2] << 8 | p[3]);
	if (n >= 5 && (p[4] & 1))
		hs.req_type = p[4] & 2 ? UDT_HS_REQ_REGULAR : (int32_t)p[4] << 4;
	len = udt_hs_encode(rec + LU2K_AEAD_HDR, 256, 0, dst, &hs);
	if (len)
		send_sealed(which, rec, len);
}

/* Listener side: the sealed UDT handshake; the back-end's socket id learned from its answer. */
static void udt_hs_out(int which)
{
	struct udt_hs got;

	for (int i = 0; i < 10; i++) {
		udt_hs_send(which, NULL, 0);
		rounds(2);
		drain();
		if (peer_hs(&got) && got.req_type == UDT_HS_RSP_REGULAR) {
			st.peer_id = got.sock_id;
			st.seq = st.isn;
			return;
		}
	}
}

static void data_send(int which, uint32_t word, const uint8_t *body, size_t n)
{
	uint8_t rec[HIST_LEN];
	size_t h = udt_data_encode_hdr(rec + LU2K_AEAD_HDR, 64, st.seq, word, 0, st.peer_id);

	if (!h || n > HIST_LEN - LU2K_AEAD_OVERHEAD - h)
		return;
	memcpy(rec + LU2K_AEAD_HDR + h, body, n);
	st.seq = (st.seq + 1) & 0x7fffffffu;
	send_sealed(which, rec, h + n);
}

static void hello_out(int which)
{
	struct lu2k_udtw_hello h = { .version = LU2K_UDTW_VERSION };
	uint8_t f[LU2K_UDTW_HELLO_LEN];

	snprintf(h.backend, sizeof(h.backend), "udt");
	h.src = me;
	h.dst = me;
	lu2k_udtw_hello_encode(f, &h);
	data_send(which, UDT_MSG_WORD(UDT_PB_SOLO, 0, ++st.msgno), f, sizeof(f));
}

/* ---- per input ---- */

static int udp_socket(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		/* the back-end leaked descriptors: a bug of its own */
		fprintf(stderr, "fuzz_udt_sec: socket: %s\n", strerror(errno));
		abort();
	}
	if (port)
		*port = ntohs(sa.sin_port);
	return fd;
}

static void begin(bool outside)
{
	struct lu2k_be_env env = {
		.loop = &L,
		.max_msg_size = MAX_MSG,
		.auth = &auth,
		.accepted = up_accepted,
		.connected = up_connected,
		.closed = up_closed,
		.sent = up_sent,
		.writable = up_writable,
		.rx_begin = up_rx_begin,
		.rx_end = up_rx_end,
	};
	/* small and deterministic: no GSO/GRO batches, caps that an input can reach */
	struct lu2k_be_option opts[] = {
		{ "gso", "0", "fuzz" },
		{ "gro", "0", "fuzz" },
		{ "max_conns", "8", "fuzz" },
		{ "max_conns_per_source", "4", "fuzz" },
		{ "max_halfopen_per_prefix", "3", "fuzz" },
		{ "max_rx_memory", "4194304", "fuzz" },
		{ "hello_timeout_ms", "1000", "fuzz" },
	};
	struct lu2k_be_conn *c;
	char err[256];

	if (!be) {
		hfd[0] = udp_socket(&hport);
		hfd[1] = udp_socket(NULL);
		if (lu2k_backend_udt.create(&env, opts, sizeof(opts) / sizeof(opts[0]), err,
					    sizeof(err), &be)) {
			fprintf(stderr, "fuzz_udt_sec: create: %s\n", err);
			abort();
		}
		for (int i = 0; i < 50 && !lis; i++) {
			lport = (uint16_t)(30000 + rand() % 30000);
			if (lu2k_backend_udt.listen(be, &me, lport, &lis))
				lis = NULL;
		}
		if (!lis)
			abort();
	}
	st.be = be;
	st.fd[0] = hfd[0];
	st.fd[1] = hfd[1];
	st.hport = hport;
	st.port = lport;
	st.outside = outside;
	randombytes_buf(&st.my_id, sizeof(st.my_id));
	randombytes_buf(&st.isn, sizeof(st.isn));
	st.my_id = (st.my_id & 0x7fffffffu) | 1;
	st.isn &= 0x7fffffffu;
	if (outside) {
		if (lu2k_backend_udt.connect(st.be, &me, NULL, &me, st.hport, &st.out_closed, &c))
			abort();
		return;
	}
	st.to.sin_family = AF_INET;
	st.to.sin_port = htons(st.port);
	st.to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	st.have_to = true;
}

static void end(void)
{
	if (getenv("FUZZ_UDT_SEC_DEBUG"))
		fprintf(stderr,
			"outside %d keyed %d peer_id %u accepted %d connected %d closed %d/%d "
			"begun %d ended %d history %u node handshakes %d ok %d failed\n",
			st.outside, st.keyed, st.peer_id, st.accepted, st.connected, st.closed,
			st.out_closed, st.begun, st.ended, st.nhist, st.hs_ok, st.hs_failed);
	while (!lu2k_list_empty(&be->conns))
		lu2k_backend_udt.close(lu2k_list_first(&be->conns, struct lu2k_be_conn, link));
	/* the listener's handshakes waiting for their connection go with it */
	lu2k_backend_udt.unlisten(lis);
	lis = NULL;
	rounds(2); /* the deferred frees: the listener's socket with its last connection */
	if (lu2k_backend_udt.listen(be, &me, lport, &lis))
		abort();
	drain();
	if (st.sa_up)
		lu2k_dg_sa_wipe(&st.sa);
	if (st.begun != st.ended)
		abort();
}

static void op(uint8_t o, const uint8_t *p, size_t n)
{
	int which = !st.outside && (o & 8);
	uint8_t rec[HIST_LEN];

	switch (o & 7) {
	case 0:
		send_dg(which, p, n);
		break;
	case 1:
		memcpy(rec + LU2K_AEAD_HDR, p, n);
		if ((o & 16) && n >= UDT_HDR_LEN) {
			rec[LU2K_AEAD_HDR + 12] = (uint8_t)(st.peer_id >> 24);
			rec[LU2K_AEAD_HDR + 13] = (uint8_t)(st.peer_id >> 16);
			rec[LU2K_AEAD_HDR + 14] = (uint8_t)(st.peer_id >> 8);
			rec[LU2K_AEAD_HDR + 15] = (uint8_t)st.peer_id;
		}
		send_sealed(which, rec, n);
		break;
	case 2:
	case 3:
		if (st.nhist && n) {
			unsigned int i = p[0] % (st.nhist < HIST ? st.nhist : HIST);
			size_t len = st.hlen[i];

			memcpy(rec, st.hist[i], len);
			if ((o & 7) == 3 && n >= 5 && len) {
				rec[(p[1] | p[2] << 8) % len] ^= p[3];
				len -= p[4] < len ? p[4] : len;
			}
			send_dg(which, rec, len);
		}
		break;
	case 4:
		if (st.outside)
			node_hs_in();
		else
			node_hs_out(which);
		break;
	case 5:
		data_send(which, UDT_MSG_WORD((o >> 4) & 3, 0, (o & 64) ? ++st.msgno : st.msgno), p,
			  n);
		break;
	case 6:
		/* any wait is a millisecond of epoll's: rarely, or it is most of the run */
		lu2k_loop_once(&L, n && p[0] > 0xf0 ? 1000000 : 0);
		break;
	case 7:
		udt_hs_send(which, p, n);
		break;
	}
	rounds(2);
	drain();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t flags;

	if (!ready) {
		struct lu2k_nid_range any;

		signal(SIGPIPE, SIG_IGN);
		/* a line per datagram slows it down */
		lu2k_log_level = getenv("FUZZ_UDT_SEC_DEBUG") ? LU2K_LOG_DEBUG : LU2K_LOG_ERROR;
		if (lu2k_auth_init() || lu2k_loop_init(&L))
			abort();
		lu2k_nid_parse("127.0.0.1@lu2k", &me);
		/* fixed keys: a crash replays with the same ones */
		memset(auth.local.priv.b, 7, 32);
		memset(peer.priv.b, 8, 32);
		lu2k_key_public(&auth.local.pub, &auth.local.priv);
		lu2k_key_public(&peer.pub, &peer.priv);
		/* both with this CPU's caps: the cipher the daemons would agree on */
		auth.local.caps = peer.caps = lu2k_hs_caps_here();
		if (lu2k_nid_range_parse("*@lu2k", &any))
			abort();
		auth.enabled = true;
		auth.peers = calloc(1, sizeof(*auth.peers));
		if (!auth.peers)
			abort();
		auth.peers[0].pub = peer.pub;
		auth.peers[0].r[0] = any;
		auth.peers[0].nr = 1;
		auth.npeers = 1;
		/* no handshake rate limit: every input makes handshakes, as fast as it runs */
		if (lu2k_auth_hs_rate_set(&auth, &(struct lu2k_hsrate_cfg){ 0 }))
			abort();
		srand((unsigned int)getpid());
		ready = true;
	}
	if (size < 1)
		return 0;
	flags = data[0];
	data++, size--;
	memset(&st, 0, sizeof(st));
	begin(flags & 1);
	rounds(2);
	drain();
	if (flags & 2) {
		/* an honest peer with a listed key must get its keys */
		if (st.outside ? node_hs_in() : node_hs_out(0))
			abort();
		if (flags & 4) {
			if (st.outside)
				udt_hs_send(0, NULL, 0);
			else
				udt_hs_out(0);
			rounds(2);
			drain();
			if (flags & 8 && !st.outside)
				hello_out(0);
			rounds(2);
			drain();
		}
	}
	while (size >= 2) {
		uint8_t o = data[0];
		size_t n = data[1];

		data += 2, size -= 2;
		if (n > size)
			n = size;
		if (n > HIST_LEN - LU2K_AEAD_OVERHEAD)
			n = HIST_LEN - LU2K_AEAD_OVERHEAD;
		op(o, data, n);
		data += n, size -= n;
	}
	end();
	return 0;
}
