/* SPDX-License-Identifier: MIT */
/*
 * udt_unknown.c - a connection its far end no longer knows. When a peer's
 * lu2kd restarts behind the same port (or closed that connection), packets
 * for the old connection reach a listener that has no such socket id (keys
 * on: no such record index). The listener answers with an UNKNOWN notice
 * naming that id (UDT_CT_UNKNOWN, codec.h), and the connector whose
 * connection it names closes it with -ECONNRESET unless the peer says
 * anything within a grace period.
 *
 * The notice is plaintext and unauthenticated (the restarted daemon has no
 * keys for the old connection), so it only starts a check: a peer that
 * knows the connection keeps talking while our data flows (ACKs at least
 * every SYN, held ACKs every half round trip), and one packet from it ends
 * the check. So a restart is noticed in seconds, and peer_timeout_ms can
 * follow LNet's own timeout: a link that goes silent for a rain fade is not
 * a restart, and its messages wait for it.
 *
 * A notice is never longer than the packet it answers (16 bytes; the
 * shortest UDT packet is 16), and at most UDTB_UNKNOWN_RATE leave a second:
 * a forged source gets no amplification.
 */
#include "udt_be.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>

#include "common/log.h"
#include "proto/udt/codec.h"

#define UDTB_UNKNOWN_RATE	100 /* notices a second, in bursts of as many */
#define UDTB_UNKNOWN_GRACE_NS	(2 * LU2K_NS_PER_S)
#define UDTB_UNKNOWN_GRACE_RTTS 4

/* A leaky bucket (GCRA): a notice may leave if the schedule is not ahead of now. */
static bool may_tell(struct lu2k_be *be, uint64_t now)
{
	const uint64_t gap = LU2K_NS_PER_S / UDTB_UNKNOWN_RATE;
	const uint64_t burst = UDTB_UNKNOWN_RATE * gap;

	if (be->unknown_next_ns + burst < now)
		be->unknown_next_ns = now - burst;
	if (be->unknown_next_ns > now)
		return false;
	be->unknown_next_ns += gap;
	return true;
}

void udtb_unknown_tell(struct udtb_sock *s, uint32_t id, const struct sockaddr *sa, socklen_t salen,
		       uint64_t now)
{
	struct lu2k_be *be = s->be;
	uint8_t out[UDT_HDR_LEN];
	size_t n;

	if (!s->l || !id)
		return;
	if (!may_tell(be, now)) {
		be->st.unknown_told_limited++;
		return;
	}
	n = udt_ctrl_encode(out, sizeof(out), UDT_CT_UNKNOWN, 0, id, 0, 0, NULL, 0);
	if (!n)
		return;
	udtb_sock_sendto(s, out, n, sa, salen);
	be->st.unknown_told++;
}

/* The grace the peer has to show that it knows c: a few round trips, at least 2 s. */
static uint64_t grace_ns(struct lu2k_be_conn *c)
{
	struct udt_stats st;
	uint64_t g;

	udt_conn_get_stats(c->u, &st);
	g = (uint64_t)(st.rtt_us > 0 ? st.rtt_us : 0) * 1000 * UDTB_UNKNOWN_GRACE_RTTS;
	return g > UDTB_UNKNOWN_GRACE_NS ? g : UDTB_UNKNOWN_GRACE_NS;
}

bool udtb_unknown_heard(struct lu2k_be_conn *c, const uint8_t *pkt, size_t len, uint32_t id,
			uint64_t now)
{
	struct lu2k_be *be = c->be;
	char addr[INET6_ADDRSTRLEN + 8];
	struct udt_hdr h;

	if (len != UDT_HDR_LEN || udt_hdr_decode(pkt, len, &h) || !h.ctrl ||
	    h.type != UDT_CT_UNKNOWN || h.dst)
		return false;
	if (h.info != id) {
		be->st.unknown_dst++;
		return true;
	}
	/*
	 * Only while messages wait: then a live peer is bound to answer our
	 * data. An idle connection is checked when it carries something again
	 * (its first packets draw the notice again).
	 */
	if (!c->out || c->state != UDTB_UP || !c->ntxq || c->unknown_deadline)
		return true;
	be->st.unknown_heard++;
	now = udtb_conn_now(c, now); /* as last_rx_ns is stamped */
	c->unknown_ns = now;
	c->unknown_deadline = now + grace_ns(c);
	LOG_RL(LU2K_LOG_INFO,
	       "udt: %s says it does not know our connection (its lu2kd restarted?): closing it "
	       "unless the peer speaks within %" PRIu64 " ms",
	       udtb_addr_str(&c->addr, addr, sizeof(addr)),
	       (uint64_t)((c->unknown_deadline - now) / LU2K_NS_PER_MS));
	udtb_conn_arm(c);
	return true;
}

bool udtb_unknown_check(struct lu2k_be_conn *c, uint64_t now)
{
	char addr[INET6_ADDRSTRLEN + 8];

	if (!c->unknown_deadline)
		return false;
	if (c->last_rx_ns > c->unknown_ns) {
		/* it spoke: a stale or forged notice */
		c->unknown_deadline = 0;
		c->be->st.unknown_denied++;
		return false;
	}
	if (now < c->unknown_deadline)
		return false;
	c->be->st.peer_gone++;
	LOG_RL(LU2K_LOG_WARN,
	       "udt: %s no longer knows our connection and has been silent since it said so "
	       "(its lu2kd restarted): closing it; %u messages waiting fail",
	       udtb_addr_str(&c->addr, addr, sizeof(addr)), c->ntxq);
	udtb_conn_fail(c, -ECONNRESET, true);
	return true;
}
