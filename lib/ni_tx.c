/* SPDX-License-Identifier: MIT */
/*
 * ni_tx.c - sending: credits, TX pool, cookie, descriptor, kick; and the
 * completions, each accepted once for a cookie we issued.
 */
#include "ni_int.h"
#include "common/time.h"

#include <errno.h>
#include <string.h>
#include <time.h>

uint64_t lu2k_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return lu2k_time_ns_to_ms(lu2k_time_timespec_to_ns(&ts));
}

struct iov_fill {
	const struct iovec *iov;
	int iovcnt;
};

static void fill_iov(void *dst, size_t len, void *arg)
{
	const struct iov_fill *f = arg;
	uint8_t *d = dst;

	for (int i = 0; i < f->iovcnt && len; i++) {
		size_t n = f->iov[i].iov_len < len ? f->iov[i].iov_len : len;

		memcpy(d, f->iov[i].iov_base, n);
		d += n;
		len -= n;
	}
}

static size_t iov_bytes(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;

	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

int lu2k_send(struct lu2k_ni *ni, const struct lu2k_nid *target, const struct lu2k_nid *nexthop,
	      const void *hdr, size_t hdr_len, const struct iovec *iov, int iovcnt,
	      uint32_t timeout_ms, void *ctx)
{
	struct iov_fill f = { iov, iovcnt };

	if (iovcnt < 0 || (iovcnt && !iov))
		return -EINVAL;
	return lu2k_send_fill(ni, target, nexthop, hdr, hdr_len, iov_bytes(iov, iovcnt), fill_iov,
			      &f, timeout_ms, ctx);
}

static int check_send(struct lu2k_ni *ni, const struct lu2k_nid *target,
		      const struct lu2k_nid *nexthop, const void *hdr, size_t hdr_len,
		      size_t payload_len)
{
	struct lu2k_lnet_hdr h;

	if (!ni->region || ni->dead)
		return -ENOTCONN;
	if (lu2k_nid_check(target, ni->setup.features) ||
	    lu2k_nid_check(nexthop, ni->setup.features))
		return -EINVAL;
	if (!lu2k_nid_equal(target, nexthop) && !(ni->setup.features & LU2K_FEAT_NEXTHOP))
		return -EOPNOTSUPP;
	if (payload_len > ni->p.max_payload)
		return -EMSGSIZE;
	if (!hdr || hdr_len > LU2K_HDR_MAX || lu2k_lnet_hdr_decode(hdr, hdr_len, &h))
		return -EPROTO;
	return lu2k_lnet_hdr_check(&h, payload_len, ni->p.max_payload);
}

int lu2k_send_fill(struct lu2k_ni *ni, const struct lu2k_nid *target,
		   const struct lu2k_nid *nexthop, const void *hdr, size_t hdr_len,
		   size_t payload_len, lu2k_fill_fn fill, void *fill_arg, uint32_t timeout_ms,
		   void *ctx)
{
	struct lu2k_tx_desc *d;
	struct lu2k_txslot *ts;
	__u64 cookie;
	int64_t off;
	uint8_t *buf;
	int peer, slot, rc;

	if (!nexthop)
		nexthop = target;
	if (payload_len && !fill)
		return -EINVAL;
	rc = check_send(ni, target, nexthop, hdr, hdr_len, payload_len);
	if (rc)
		return rc;
	peer = lu2k_credits_peer(&ni->cr, nexthop);
	if (peer < 0)
		return peer;
	if (lu2k_credits_take(&ni->cr, (uint32_t)peer)) {
		ni->st.eagain_credits++;
		return -EAGAIN;
	}
	if (lu2k_ring_prod_space(&ni->tx) == 0) {
		ni->st.eagain_ring++;
		rc = -EAGAIN;
		goto out_credits;
	}
	off = lu2k_ralloc_alloc(&ni->txa, hdr_len + payload_len);
	if (off < 0) {
		ni->st.eagain_pool++;
		rc = -EAGAIN;
		goto out_credits;
	}
	slot = lu2k_cookie_get(ni->cookies, &cookie);
	if (slot < 0) { /* cannot happen: a cookie per credit */
		lu2k_ralloc_free(&ni->txa, (uint64_t)off);
		rc = -EAGAIN;
		goto out_credits;
	}
	ts = &ni->slots[slot];
	ts->ctx = ctx;
	ts->pool_off = (uint64_t)off;
	ts->peer = (uint32_t)peer;
	ts->len = (uint32_t)(hdr_len + payload_len);
	ts->expired = false;
	/* The daemon times messages out after timeout_ms; this is for one that never does. */
	ts->deadline_ms =
		lu2k_now_ms() + lu2k_orphan_after_ms(timeout_ms ? timeout_ms : ni->p.timeout_ms,
						     ni->p.timeout_grace_ms);

	buf = (uint8_t *)ni->region->base + ni->setup.tx_pool_off + (uint64_t)off;
	memcpy(buf, hdr, hdr_len);
	if (payload_len)
		fill(buf + hdr_len, payload_len, fill_arg);

	d = lu2k_ring_prod_slot(&ni->tx, 0);
	memset(d, 0, sizeof(*d));
	d->cookie = cookie;
	d->target = *target;
	d->nexthop = *nexthop;
	d->buf_off = ni->setup.tx_pool_off + (uint64_t)off;
	d->hdr_len = (uint32_t)hdr_len;
	d->payload_len = (uint32_t)payload_len;
	d->timeout_ms = timeout_ms;
	d->flags = lu2k_nid_equal(target, nexthop) ? 0 : LU2K_TX_ROUTED;
	lu2k_ring_prod_submit(&ni->tx, 1);
	ni->st.tx_msgs++;
	ni->st.tx_bytes += payload_len;
	lu2k_kick_soon(ni, &ni->tx);
	return 0;
out_credits:
	lu2k_credits_give(&ni->cr, (uint32_t)peer);
	return rc;
}

static void complete(struct lu2k_ni *ni, uint32_t slot, int status, bool from_daemon)
{
	struct lu2k_txslot *ts = &ni->slots[slot];
	void *ctx = ts->ctx;
	bool expired = ts->expired;

	lu2k_ralloc_free(&ni->txa, ts->pool_off);
	lu2k_credits_give(&ni->cr, ts->peer);
	lu2k_cookie_put(ni->cookies, slot);
	ts->expired = false;
	if (expired) {
		/* the watchdog gave the caller its completion already */
		if (from_daemon)
			ni->st.late_cpls++;
		return;
	}
	if (status)
		ni->st.cpl_err++;
	else
		ni->st.cpl_ok++;
	ni->p.on_cpl(ni, ctx, status, ni->p.arg);
}

/*
 * A daemon that never completes a message (a bug, or a hostile one) must not
 * cost the caller its one completion: past the deadline the caller gets
 * -ETIMEDOUT. The range, the credits and the cookie stay taken until the
 * daemon's own completion comes (it may still be reading the range), so a
 * stuck daemon also gets no new work.
 */
void lu2k_tx_watchdog(struct lu2k_ni *ni, uint64_t now_ms)
{
	for (uint32_t s = 0; s < ni->cookies->cap; s++) {
		struct lu2k_txslot *ts = &ni->slots[s];

		if (!lu2k_cookie_busy(ni->cookies, s) || ts->expired || ts->deadline_ms > now_ms)
			continue;
		ts->expired = true;
		ni->st.watchdog_cpls++;
		ni->st.cpl_err++;
		ni->p.on_cpl(ni, ts->ctx, -ETIMEDOUT, ni->p.arg);
	}
}

int lu2k_tx_process_cpl(struct lu2k_ni *ni)
{
	struct lu2k_cpl_desc c;
	int n = 0, slot;

	while (lu2k_ring_pop(&ni->cpl, &c)) {
		n++;
		if (lu2k_cpl_desc_check(&c)) {
			ni->st.bad_cpl++;
			continue;
		}
		slot = lu2k_cookie_lookup(ni->cookies, c.cookie);
		if (slot == -EALREADY) {
			ni->st.bad_cookie_dup++;
			continue;
		}
		if (slot < 0) {
			ni->st.bad_cookie_unknown++;
			continue;
		}
		complete(ni, (uint32_t)slot, c.status, true);
	}
	return n;
}

/* Every message still out gets status (the daemon is gone). */
void lu2k_tx_fail_all(struct lu2k_ni *ni, int status)
{
	for (uint32_t s = 0; s < ni->cookies->cap; s++) {
		if (!lu2k_cookie_busy(ni->cookies, s))
			continue;
		if (status == -ECONNRESET && !ni->slots[s].expired)
			ni->st.reset_cpls++;
		complete(ni, s, status, false);
	}
}
