// SPDX-License-Identifier: MIT
/*
 * conn_probe.c - the connector's half of the capacity probe (handshake.h,
 * "The capacity probe"; udt_config.probe_train).
 *
 * The train goes into the control queue right before the final request it
 * belongs to, so the caller sends them back to back. At most two a
 * connection: one before the request without a cookie (or with a token),
 * one before the request with the cookie, should the listener go that
 * way; none on a retry, which would only add bytes to a path that already
 * lost a request.
 */
#include "conn_int.h"
#include "handshake.h"

#define PROBE_TRAINS_MAX 2

void udt_conn_probe_train(struct udt_conn *c, uint64_t now_ns)
{
	uint32_t i, n = c->cfg.probe_train;
	uint8_t *b;

	if (c->is_server || c->state != UDT_ST_CONNECTING || c->cap_trains >= PROBE_TRAINS_MAX)
		return;
	if (n > UDT_PROBE_TRAIN_MAX)
		n = UDT_PROBE_TRAIN_MAX;
	c->cap_trains++;
	for (i = 0; i < n && (b = udt_ctl_reserve(c)); i++)
		udt_ctl_commit(c,
			       udt_probe_encode(b, (size_t)c->mss - UDT_UDP_IP_OVERHEAD,
						udt_conn_ts(c, now_ns), c->sock_id, (uint16_t)i));
}

void udt_conn_probe_told(struct udt_conn *c, uint32_t pps, uint64_t now_ns)
{
	/* a rate no int32 holds is no rate: hs_probe.c tells at most 10^7 */
	if (!c->cfg.probe_train || pps > INT32_MAX)
		return;
	c->cap_pps = pps;
	udt_cc_capacity_hint(&c->cc, (int32_t)pps, udt_tick(now_ns));
	udt_conn_cc_update(c);
}
