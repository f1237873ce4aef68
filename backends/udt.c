/* SPDX-License-Identifier: MIT */
/*
 * udt.c - the udt back-end: lu2k's own UDT engine (proto/udt/) over UDP.
 * This file: the instance, connection setup and teardown, and the ops
 * table (options in udt_opts.c, listeners and accepts in udt_listen.c).
 * Messages are in udt_conn.c, sockets and timers in udt_io.c, the frames
 * in udt_wire.c; the design is in doc/udt-backend.md.
 */
#include "udt_be.h"
#include "be_src.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "auth/peers.h"
#include "common/nid.h"
#include "common/sockaddr.h"
#include "common/json.h"
#include "common/log.h"

bool udtb_idle(struct lu2k_idle *h);

static void rand_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = getrandom(b, n, GRND_NONBLOCK);

		if (r <= 0) {
			/* no entropy yet: ids need not be secret, only unlikely to collide */
			uint64_t t = lu2k_loop_now_ns() ^ (uint64_t)getpid() << 32;

			for (size_t i = 0; i < n; i++, t = t * 6364136223846793005ull + 1)
				b[i] = (uint8_t)(t >> 56);
			return;
		}
		b += r;
		n -= (size_t)r;
	}
}

static void be_trim_timer(struct lu2k_timer *t);

static int udtb_create(const struct lu2k_be_env *env, const struct lu2k_be_option *opts,
		       unsigned int nopts, char *err, size_t errlen, struct lu2k_be **out)
{
	struct lu2k_be *be = calloc(1, sizeof(*be));
	uint32_t seed;

	if (!be)
		return -ENOMEM;
	be->env = *env;
	lu2k_list_init(&be->listeners);
	lu2k_list_init(&be->conns);
	lu2k_list_init(&be->dirty);
	udtb_defaults(be, env);
	for (unsigned int i = 0; i < nopts; i++) {
		if (udtb_set_opt(be, &opts[i], err, errlen)) {
			free(be);
			return -EINVAL;
		}
	}
	/* unproven connections must leave room for those that said hello */
	if (be->max_halfopen >= be->max_conns) {
		snprintf(err, errlen,
			 "udt back-end: max_halfopen (%u) must be below max_conns (%u), so that "
			 "connections that said hello keep room",
			 be->max_halfopen, be->max_conns);
		free(be);
		return -EINVAL;
	}
	be->ucfg.cc = be->cc;
	/* what a peer may make us hold (rcvbuf.h, MEMORY) */
	be->ucfg.rx_mem = &be->rxmem;
	be->ucfg.max_msg_bytes = (size_t)env->max_msg_size + LU2K_UDTW_MSG_HLEN;
	be->slot = (size_t)be->ucfg.mss;
	/* keys on: a record around every packet, within the datagram's size (udt_sec.h) */
	if (env->auth && udtb_sec_create(be)) {
		free(be);
		return -ENOMEM;
	}
	if (env->auth)
		be->ucfg.mss -= LU2K_AEAD_OVERHEAD;
	/* what the kernel has, asked once (udt_io_batch.h); gso=0, gro=0 force the fallback */
	be->gso = be->gso && udtb_probe_gso(AF_INET);
	be->gro = be->gro && udtb_probe_gro(AF_INET);
	be->rxslot = be->gro ? UDTB_GRO_BUF : be->slot;
	be->rxn = be->gro ? UDTB_BATCH / 4 : UDTB_BATCH;
	be->rxbuf = malloc(be->rxn * be->rxslot);
	be->tx.buf = malloc(UDTB_BATCH * be->slot);
	be->tx.slot = be->slot;
	rand_bytes(be->key, sizeof(be->key));
	rand_bytes(&seed, sizeof(seed));
	if (!be->rxbuf || !be->tx.buf || udt_dmx_init(&be->dmx, seed)) {
		udtb_sec_destroy(be);
		free(be->rxbuf);
		free(be->tx.buf);
		free(be);
		return -ENOMEM;
	}
	lu2k_loop_idle_add(env->loop, &be->idle, udtb_idle);
	lu2k_heap_timer_init(&be->trim_timer, be_trim_timer);
	LOG_INFO("udt: cc %s, mss %d%s, window %u packets, send buffer %zu MiB, UDP buffers %d/%d "
		 "KiB, "
		 "receive memory %zu MiB",
		 be->cc, be->ucfg.mss, be->sec ? " (sealed: 32 bytes a packet for the record)" : "",
		 be->ucfg.flight_max, be->ucfg.snd_buf_bytes >> 20, be->sock_rcvbuf >> 10,
		 be->sock_sndbuf >> 10, be->rxmem.max >> 20);
	LOG_INFO("udt: UDP GSO %s, GRO %s", be->gso ? "on" : "off", be->gro ? "on" : "off");
	*out = be;
	return 0;
}

void udtb_conn_mark_dirty(struct lu2k_be_conn *c)
{
	if (c->state == UDTB_DEAD)
		return;
	if (!lu2k_list_linked(&c->dirty_link))
		lu2k_list_add_tail(&c->be->dirty, &c->dirty_link);
}

void udtb_conn_count(struct lu2k_be_conn *c, int d)
{
	struct lu2k_be *be = c->be;

	be->nconns += (uint32_t)d;
	if (c->out)
		be->nconns_out += (uint32_t)d;
	else
		be->nconns_in += (uint32_t)d;
}

/*
 * Receive buffers are many small blocks: freed, they stay in the heap. After
 * connections that held megabytes go, hand the free pages back (at most
 * once a second), so that an attack's peak does not stay as lu2kd's size.
 * The same once a connection that was busy goes idle or away (went_idle):
 * the buffers its burst held were freed one by one as messages left,
 * uncounted, and 1,000 peers after a burst of 64 KiB messages kept ~70 MiB
 * of free heap (70 KiB a peer) without it. What comes within the second
 * after a malloc_trim waits for the back-end's timer.
 */
static void give_back(struct lu2k_be *be, size_t freed, bool went_idle, uint64_t now)
{
	be->freed_since_trim += freed;
	be->idle_since_trim |= went_idle;
	if (be->freed_since_trim < (8u << 20) && !be->idle_since_trim)
		return;
	if (now < be->trim_ns + LU2K_NS_PER_S) {
		if (!lu2k_heap_timer_armed(&be->trim_timer))
			lu2k_loop_timer_arm_at(be->env.loop, &be->trim_timer,
					       be->trim_ns + LU2K_NS_PER_S);
		return; /* no memory for the timer: the next call does it */
	}
	/*
	 * The frame headers kept for reuse (udt_conn.c, tx_new: up to 1,024 of
	 * ~112 bytes, 112 KiB) came from a burst; busy peers refill the cache
	 * at one malloc a message, and this runs at most once a second.
	 */
	if (be->idle_since_trim)
		udtb_tx_cache_fini(be);
	be->freed_since_trim = 0;
	be->idle_since_trim = false;
	be->trim_ns = now;
	malloc_trim(0);
}

static void be_trim_timer(struct lu2k_timer *t)
{
	struct lu2k_be *be = lu2k_container_of(t, struct lu2k_be, trim_timer);

	give_back(be, 0, false, be->env.loop->now);
}

static void conn_free(struct lu2k_defer *d)
{
	struct lu2k_be_conn *c = lu2k_container_of(d, struct lu2k_be_conn, defer);
	struct udtb_sock *s = c->sock;
	uint64_t now = udtb_conn_now(c, lu2k_loop_now_ns());
	uint8_t *buf = malloc(c->be->slot);
	struct udt_stats st;

	/* tell the peer (a shutdown), unless we refused it: then no ACK may leave */
	if (c->refused && buf) {
		uint32_t pad = 0;
		size_t n = udt_ctrl_encode(buf, c->be->slot, UDT_CT_SHUTDOWN, 0, 0, 0,
					   udt_conn_peer_id(c->u), &pad, 1);

		udtb_sec_sendto(s, c->sa, buf, n, (struct sockaddr *)&c->addr, c->addrlen);
	} else if (buf && s->io.fd >= 0) {
		size_t n;

		udt_conn_abort(c->u, now);
		while ((n = udt_conn_write_pkt(c->u, buf, c->be->slot, now)))
			udtb_sec_sendto(s, c->sa, buf, n, (struct sockaddr *)&c->addr, c->addrlen);
	}
	free(buf);
	udtb_proved(c);	       /* it ends: no slot held */
	udtb_sec_conn_free(c); /* keys wiped */
	free(c->hello_addrs);
	udt_conn_get_stats(c->u, &st);
	/*
	 * What this connection learnt of the path starts the next one there,
	 * if it ended well (closed by us, or by the peer on purpose). One that
	 * failed (a silent peer, a reset) leaves a model of its last, dying
	 * seconds: a peer killed and restarted behind the same port then got a
	 * connection paced near nothing, and its messages sat for minutes. So
	 * a failure forgets the path, and the next connection starts cold.
	 */
	if (c->out) {
		bool ended_well = !c->fail_err || c->fail_err == -ECANCELED || /* closed by us */
				  c->fail_err == -ESHUTDOWN;		       /* by the peer */

		udtb_paths_put(&c->be->paths, &c->addr, ended_well ? (uint32_t)st.path_rate_pps : 0,
			       (uint32_t)st.path_rtt_us, lu2k_loop_now_ns());
	}
	/* the engine reports what it still holds: our copies are freed there */
	udt_conn_free(c->u);
	give_back(c->be, st.rcv_mem, !c->trimmed, now);
	if (s->owner == c) {
		udtb_sock_close(s);
		free(s);
	} else if (s->l) {
		udtb_listener_put(s->l);
	}
	free(c);
}

/*
 * Tear c down: no more packets reach it, every message the core gave it
 * fails with err, and (if upcall) the core hears closed(). Messages the
 * engine kept because the core had no room go with it: they were never
 * acknowledged, so their sender fails them. Idempotent.
 */
void udtb_conn_fail(struct lu2k_be_conn *c, int err, bool upcall)
{
	struct lu2k_be *be = c->be;
	struct lu2k_loop *loop = be->env.loop;

	if (c->state == UDTB_DEAD)
		return;
	if (!c->fail_err)
		c->fail_err = err;
	udtb_early_gone(c);
	udt_dmx_del(&be->dmx, &c->dmx);
	lu2k_loop_timer_cancel(loop, &c->timer);
	lu2k_list_del(&c->dirty_link);
	/* up before the response (first flight) that never came: it did not connect */
	if (upcall && c->state == UDTB_UP && udt_conn_state(c->u) == UDT_ST_CONNECTING)
		be->st.connect_errors++;
	else if (upcall && c->state == UDTB_UP && err != -ESHUTDOWN)
		be->st.conns_failed++;
	else if (upcall && err == -ESHUTDOWN)
		be->st.conns_closed_by_peer++;
	c->state = UDTB_DEAD;
	lu2k_list_del(&c->link);
	udtb_conn_count(c, -1);
	/* a range begun for a placed message goes back before closed() */
	udtb_rx_unplace(c, err);
	udtb_fail_msgs(c, err);
	if (upcall && c->ctx)
		be->env.closed(c->ctx, err);
	c->ctx = NULL;
	lu2k_loop_defer(loop, &c->defer, conn_free);
}

/*
 * An outgoing connection whose peer still talks (keep-alives, so UDT does
 * not time it out) but acknowledges none of our data: its receiver gets
 * none of it. The usual cause is a path that drops packets as large as
 * ours (a tunnel or modem with an MTU below mss, whose "too big" messages
 * never arrive: a black hole), which the handshake's small packets cross.
 * The connection would sit there forever and its messages time out one by
 * one, so say it once per stall, with the likely cause and the fix. A
 * receiver out of RX space keeps sending full ACKs (held), so it is not
 * taken for this.
 */
#define UDTB_WATCH_MIN_NS (10 * LU2K_NS_PER_S)

static void watch_progress(struct lu2k_be_conn *c, uint64_t now)
{
	struct udt_stats st;
	uint64_t after;
	char nid[LU2K_NID_STRLEN], addr[INET6_ADDRSTRLEN + 8];

	if (!c->out || c->state != UDTB_UP || !c->ntxq) {
		c->watch_since_ns = 0;
		return;
	}
	udt_conn_get_stats(c->u, &st);
	if (!c->watch_since_ns || st.acks_recv != c->watch_acks) {
		c->watch_acks = st.acks_recv;
		c->watch_since_ns = now;
		c->watch_warned = false;
		return;
	}
	after = 8 * lu2k_time_us_to_ns((uint64_t)(st.rtt_us > 0 ? st.rtt_us : 0));
	if (after < (uint64_t)UDTB_WATCH_MIN_NS)
		after = UDTB_WATCH_MIN_NS;
	if (c->watch_warned || now < c->watch_since_ns + after)
		return;
	c->watch_warned = true;
	c->be->st.no_progress++;
	LOG_RL(LU2K_LOG_WARN,
	       "udt: %s (%s): nothing acknowledged for %" PRIu64
	       " s though the peer answers: our %d-byte packets probably do not fit the path "
	       "(an MTU black hole: set [udt] mss lower, e.g. 1400 or 1200, at both ends, or fix "
	       "the path's MTU); or the receiver there is stuck (lu2kctl conns there)",
	       lu2k_nid_format(&c->remote, nid, sizeof(nid)),
	       udtb_addr_str(&c->addr, addr, sizeof(addr)),
	       (uint64_t)((now - c->watch_since_ns) / LU2K_NS_PER_S), c->be->ucfg.mss);
}

static void conn_timer(struct lu2k_timer *t)
{
	struct lu2k_be_conn *c = lu2k_container_of(t, struct lu2k_be_conn, timer);

	if (c->out && udtb_early_timer(c))
		return;
	if (c->state == UDTB_HELLO && c->be->env.loop->now >= c->hello_deadline) {
		c->be->st.hello_timeouts++;
		LOG_RL(LU2K_LOG_WARN, "udt: no hello in %u ms on an incoming connection, closing",
		       c->be->hello_timeout_ms);
		udtb_conn_fail(c, -ETIMEDOUT, false);
		return;
	}
	if (udtb_unknown_check(c, c->be->env.loop->now))
		return;
	/*
	 * Messages wait and the peer has said nothing (no ACK, no NAK, no
	 * keep-alive) for peer_timeout_ms: it is gone (powered off, or a
	 * daemon restarted whose UNKNOWN notices never reached us), or the
	 * link is down for longer than LNet would wait.
	 */
	if (c->out && c->ntxq && c->state == UDTB_UP && udt_conn_state(c->u) != UDT_ST_CONNECTING &&
	    c->be->env.loop->now >= c->last_rx_ns + udtb_peer_timeout_ns(c->be)) {
		c->be->st.peer_timeouts++;
		LOG_RL(LU2K_LOG_WARN, "udt: peer silent for %u ms with messages waiting, closing",
		       c->be->peer_timeout_ms);
		udtb_conn_fail(c, -ETIMEDOUT, true);
		return;
	}
	watch_progress(c, c->be->env.loop->now);
	/*
	 * An incoming connection whose peer leaves a hole unrepaired while we
	 * hold what came after it: honest senders repair within round trips,
	 * so it only keeps receive memory from others.
	 */
	if (!c->out && c->state != UDTB_CONNECTING &&
	    udt_conn_rcv_stalled(c->u, udtb_conn_now(c, c->be->env.loop->now),
				 lu2k_time_ms_to_ns(c->be->rx_stall_timeout_ms))) {
		char addr[INET6_ADDRSTRLEN + 8];
		struct udt_stats st;

		udt_conn_get_stats(c->u, &st);
		c->be->st.rx_stalls++;
		LOG_RL(LU2K_LOG_WARN,
		       "udt: %s left a hole unrepaired for %u ms, %" PRIu64
		       " bytes held behind it: closing that connection",
		       udtb_addr_str(&c->addr, addr, sizeof(addr)), c->be->rx_stall_timeout_ms,
		       st.rcv_mem);
		udtb_conn_fail(c, -ETIMEDOUT, true);
		return;
	}
	/*
	 * Quiet for a while after being busy: the engine gives back the tables
	 * it grew (1,000 peers that each had a burst keep no window's worth).
	 */
	if (!c->trimmed && c->state == UDTB_UP && (!c->out || !c->ntxq) &&
	    c->be->env.loop->now >= c->busy_ns + UDTB_TRIM_IDLE_NS) {
		c->trimmed = true;
		give_back(c->be, udt_conn_trim(c->u), true, c->be->env.loop->now);
	}
	udtb_conn_mark_dirty(c);
}

struct lu2k_be_conn *udtb_conn_new(struct lu2k_be *be, bool out)
{
	struct lu2k_be_conn *c;

	/* apart, so that peers connecting to us can never stop us reaching ours */
	if (out ? be->nconns_out >= be->max_conns_out : be->nconns_in >= be->max_conns) {
		be->st.too_many_conns++;
		LOG_RL(LU2K_LOG_WARN, "udt: %s connections at their limit (%s %u): refusing one",
		       out ? "outgoing" : "incoming", out ? "max_conns_out" : "max_conns",
		       out ? be->max_conns_out : be->max_conns);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->be = be;
	c->out = out;
	lu2k_heap_timer_init(&c->timer, conn_timer);
	lu2k_list_init(&c->dirty_link);
	lu2k_list_init(&c->txq);
	c->dmx.local_id = udt_dmx_new_id(&be->dmx);
	if (udt_dmx_add(&be->dmx, &c->dmx)) {
		free(c);
		return NULL;
	}
	lu2k_list_add_tail(&be->conns, &c->link);
	udtb_conn_count(c, 1);
	return c;
}

/* UDT keeps the peer's address in its handshake (nobody acts on it). */
/*
 * The engine's mss for one address family: `mss` is the bytes of an IP
 * packet, and the engine counts 28 for the IPv4 and UDP headers; IPv6's
 * header is 20 bytes longer (else a 1500-byte mss sends 1520-byte packets
 * down a 1500-byte path: fragments, or a black hole).
 */
int32_t udtb_mss_for(const struct lu2k_be *be, int family)
{
	return be->ucfg.mss - (family == AF_INET6 ? 20 : 0);
}

void udtb_hs_ip(const struct sockaddr *sa, uint32_t ip[4])
{
	memset(ip, 0, 16);
	if (sa->sa_family == AF_INET)
		udt_hs_ip_from_v4(ip, (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		memcpy(ip, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

/* ---- connecting ---- */

static int udtb_hello_addrs(struct lu2k_be_conn *c, const struct lu2k_be_addrs *a)
{
	if (!c->out || c->state != UDTB_CONNECTING || !a->n || a->n > LU2K_UDTW_MAX_ADDRS)
		return -EINVAL;
	if (!c->hello_addrs && !(c->hello_addrs = malloc(sizeof(*c->hello_addrs))))
		return -ENOMEM;
	*c->hello_addrs = *a;
	return 0;
}

/*
 * The highest loss this lu2kd's other outgoing connections to the same host
 * measure now (their FEC measure): a new connection there (another NID pair,
 * a ping beside a bulk) starts from it, so that its small messages are
 * covered before it has lost one of its own (doc/udt-fec.md).
 */
static uint32_t host_loss_ppm(struct lu2k_be *be, const struct sockaddr_storage *ss)
{
	struct lu2k_list *pos;
	uint32_t ppm = 0;

	lu2k_list_for_each(pos, &be->conns)
	{
		struct lu2k_be_conn *o = lu2k_container_of(pos, struct lu2k_be_conn, link);
		struct udt_stats st;

		if (!o->out || !o->u || o->state != UDTB_UP ||
		    !lu2k_sockaddr_same_addr(&o->addr, ss))
			continue;
		udt_conn_get_stats(o->u, &st);
		if (st.fec_loss_ppm > ppm)
			ppm = st.fec_loss_ppm;
	}
	return ppm;
}

static int udtb_connect(struct lu2k_be *be, const struct lu2k_nid *local,
			const struct lu2k_nid *src, const struct lu2k_nid *remote, uint16_t port,
			void *ctx, struct lu2k_be_conn **out)
{
	struct sockaddr_storage ss;
	int len;

	len = lu2k_nid_to_sockaddr(remote, port, &ss);
	if (len < 0)
		return len;
	if (be->sec && !lu2k_auth_key_for(be->env.auth, remote)) {
		char n[LU2K_NID_STRLEN];

		be->env.auth->st.no_peer_key++;
		LOG_RL(LU2K_LOG_WARN,
		       "udt: no key listed for %s ([auth] peer lines): not connecting (with keys "
		       "on, every peer must be listed)",
		       lu2k_nid_format(remote, n, sizeof(n)));
		return -EACCES;
	}
	/* the connection started when this peer's own came in (udt_early.c) */
	if (!src && (*out = udtb_early_adopt(be, local, remote, &ss, ctx)))
		return 0;
	return udtb_open_out(be, &ss, (socklen_t)len, local, src, remote, ctx, out);
}

int udtb_open_out(struct lu2k_be *be, const struct sockaddr_storage *ssp, socklen_t len,
		  const struct lu2k_nid *local, const struct lu2k_nid *src,
		  const struct lu2k_nid *remote, void *ctx, struct lu2k_be_conn **out)
{
	struct sockaddr_storage ss = *ssp;
	struct lu2k_be_conn *c;
	struct udtb_sock *s;
	struct udt_config ucfg;
	uint32_t ip[4], isn, rtt_us, token;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rc = udtb_sock_open(be, s, ss.ss_family, udtb_sock_event);
	if (rc) {
		free(s);
		return rc;
	}
	/*
	 * The socket is this connection's own, so src is a bind() (no
	 * IP_PKTINFO on the listeners' shared sockets, doc/multipath.md); without
	 * src the routing table picks the source address and next hop.
	 */
	rc = src ? lu2k_be_bind_src(s->io.fd, src, ss.ss_family) : 0;
	if (rc || connect(s->io.fd, (struct sockaddr *)&ss, (socklen_t)len)) {
		rc = rc ? rc : -errno;
		be->st.connect_errors++;
		udtb_sock_close(s);
		free(s);
		return rc;
	}
	s->connected = true;
	c = udtb_conn_new(be, true);
	if (!c) {
		udtb_sock_close(s);
		free(s);
		return -ENOMEM;
	}
	udtb_hs_ip((struct sockaddr *)&ss, ip);
	rand_bytes(&isn, sizeof(isn));
	c->t_last = lu2k_loop_now_ns();
	ucfg = be->ucfg;
	/* a listener known to take less: its MSS, so that our first flight fits */
	ucfg.mss = udtb_paths_mss_get(&be->paths, &ss, udtb_mss_for(be, ss.ss_family), c->t_last);
	if (udtb_paths_get(&be->paths, &ss, c->t_last, &ucfg.init_rate_pps, &rtt_us)) {
		/*
		 * A remembered rate below a cold start's (32 packets a round
		 * trip) can only slow this connection down: start cold instead.
		 */
		if (rtt_us &&
		    (uint64_t)ucfg.init_rate_pps * rtt_us < 32ull * 1000000) /* 32 per RTT, in us */
			ucfg.init_rate_pps = 0;
		else if (!ucfg.init_rtt_ns)
			ucfg.init_rtt_ns = lu2k_time_us_to_ns(rtt_us);
	}
	c->start_rate_pps = ucfg.init_rate_pps;
	/*
	 * No first flight with keys (the node handshake first) nor for a
	 * multipath path's source-bound connection. With multipath otherwise it
	 * is safe since the held bit (udt_ack.held): a held message is not
	 * settled for the sender before the receiver gave it, so its dedup
	 * cannot drop it as a second copy (doc/multipath.md).
	 */
	if (be->sec || src)
		ucfg.first_flight = 0;
	c->u = udt_conn_connect(&ucfg, &udtb_callbacks, c, c->dmx.local_id, isn & 0x7fffffffu, ip,
				c->t_last);
	if (c->u)
		udt_conn_fec_seed(c->u, host_loss_ppm(be, &ss));
	/*
	 * A token from this listener: connect in one round trip (keys on: no
	 * cookie at all). Else (or if it is not taken) a final request without
	 * a cookie beside each first one: one round trip too, if the listener
	 * is lu2k's and has a slot free (handshake.h).
	 */
	if (c->u && !be->sec && udtb_tokens_get(&be->tokens, &ss, s->io.fd, c->t_last, &token))
		udt_conn_use_token(c->u, token, c->t_last);
	if (c->u && !be->sec)
		udt_conn_no_cookie(c->u);
	c->sock = s;
	s->owner = c;
	memcpy(&c->addr, &ss, (size_t)len);
	c->addrlen = (socklen_t)len;
	c->ctx = ctx;
	if (local)
		c->local = *local;
	if (remote)
		c->remote = *remote;
	c->state = UDTB_CONNECTING;
	c->last_rx_ns = lu2k_loop_now_ns();
	rc = c->u ? lu2k_loop_io_set(be->env.loop, &s->io, EPOLLIN) : -ENOMEM;
	if (!rc && be->sec)
		rc = udtb_sec_connect(c);
	if (rc) {
		c->ctx = NULL;
		if (!c->u) {
			/* nothing to abort: free by hand */
			udt_dmx_del(&be->dmx, &c->dmx);
			lu2k_list_del(&c->link);
			udtb_conn_count(c, -1);
			udtb_sock_close(s);
			free(s);
			free(c);
		} else {
			udtb_conn_fail(c, rc, false);
		}
		return rc;
	}
	udtb_conn_mark_dirty(c);
	*out = c;
	return 0;
}

/* The UDT handshake finished: say hello first, then messages may follow at once. */
void udtb_conn_established(struct lu2k_be_conn *c)
{
	int rc;

	/* started early (udt_early.c): its hello when the core takes it */
	if (c->early_st != UDTB_EARLY_NONE)
		return;
	rc = udtb_send_hello(c);

	if (rc) {
		udtb_conn_fail(c, rc, true);
		return;
	}
	c->state = UDTB_UP;
	c->up_ns = c->be->env.loop->now;
	c->be->st.conns_out++;
	c->be->env.connected(c->ctx);
	/* up before the response (first flight): confirmed when it comes (udtb_conn_post) */
	if (c->state == UDTB_UP && udt_conn_state(c->u) != UDT_ST_CONNECTING)
		udtb_conn_confirm(c);
}

void udtb_conn_confirm(struct lu2k_be_conn *c)
{
	if (c->confirmed)
		return;
	c->confirmed = true;
	if (c->be->env.confirmed)
		c->be->env.confirmed(c->ctx);
}

/* ---- the ops ---- */

/* The core has RX space again: the engine offers what we refused, oldest first. */
static void udtb_rx_resume(struct lu2k_be_conn *c)
{
	if (c->state != UDTB_UP || !c->rx_paused)
		return;
	c->rx_paused = false;
	c->be->st.rx_resumes++;
	/* held ones (first flight, udtb_named) first */
	udt_conn_release_rx(c->u, udtb_conn_now(c, lu2k_loop_now_ns()));
	/* the ACK (and a failure the offers met) go out from the loop's idle round */
	udtb_conn_mark_dirty(c);
}

static void udtb_close(struct lu2k_be_conn *c)
{
	udtb_conn_fail(c, -ECANCELED, false);
}

static void be_free(struct lu2k_defer *d)
{
	struct lu2k_be *be = lu2k_container_of(d, struct lu2k_be, defer);

	/* the connections' frees (before us) may have armed it again */
	lu2k_loop_timer_cancel(be->env.loop, &be->trim_timer);
	udt_dmx_fini(&be->dmx);
	udtb_sec_destroy(be);
	udtb_tx_cache_fini(be);
	free(be->rxbuf);
	free(be->tx.buf);
	free(be);
}

static void udtb_destroy(struct lu2k_be *be)
{
	while (!lu2k_list_empty(&be->conns))
		udtb_close(lu2k_list_first(&be->conns, struct lu2k_be_conn, link));
	while (!lu2k_list_empty(&be->listeners))
		udtb_unlisten(lu2k_list_first(&be->listeners, struct lu2k_be_listener, link));
	lu2k_loop_idle_del(&be->idle);
	/* the connections' deferred frees still use be: free it after them (FIFO) */
	lu2k_loop_defer(be->env.loop, &be->defer, be_free);
}

static int udtb_peer_addr(struct lu2k_be_conn *c, struct sockaddr_storage *ss)
{
	*ss = c->addr;
	return 0;
}

const struct lu2k_backend_ops lu2k_backend_udt = {
	.keys = udtb_keys,
	.size = sizeof(struct lu2k_be),
	.defaults = udtb_defaults,
	.name = "udt",
	.description = "UDT4 (lu2k's engine) over UDP: rate-based, NAK, for long lossy links",
	.msg_ids = true,
	.early_connect = true,
	.check_option = udtb_check_option,
	.create = udtb_create,
	.destroy = udtb_destroy,
	.listen = udtb_listen,
	.unlisten = udtb_unlisten,
	.connect = udtb_connect,
	.hello_addrs = udtb_hello_addrs,
	.send = udtb_send,
	.cancel = udtb_cancel,
	.rx_resume = udtb_rx_resume,
	.close = udtb_close,
	.peer_addr = udtb_peer_addr,
	.path_stats = udtb_path_stats,
	.conn_info = udtb_conn_info,
	.stats = udtb_stats,
	.auth = true,
};
