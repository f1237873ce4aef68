/* SPDX-License-Identifier: MIT */
/*
 * ni.c - one network interface of liblu2k: open/close, the pollable fd,
 * processing and waiting, and the daemon's death and re-attach.
 */
#include "ni_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define TX_UNIT_SHIFT  8 /* 256-byte units: a 72-byte header + small payload = 1 unit */

void lu2k_ni_params_init(struct lu2k_ni_params *p)
{
	memset(p, 0, sizeof(*p));
	p->ring_entries = LU2K_DEF_RING_ENTRIES;
	p->tx_pool_size = LU2K_DEF_TX_POOL;
	p->rx_pool_size = LU2K_DEF_RX_POOL;
	p->max_payload = LU2K_DEF_MAX_PAYLOAD;
	p->peer_credits = LU2K_DEF_PEER_CREDITS;
	p->credits = LU2K_DEF_CREDITS;
	p->timeout_ms = LU2K_DEF_TIMEOUT_MS;
	p->attach_timeout_ms = 2000;
	p->timeout_grace_ms = LU2K_DEF_TIMEOUT_GRACE_MS;
}

static void fill_defaults(struct lu2k_ni_params *p)
{
	struct lu2k_ni_params d;

	lu2k_ni_params_init(&d);
#define DEF(f)     \
	if (!p->f) \
	p->f = d.f
	DEF(ring_entries);
	DEF(tx_pool_size);
	DEF(rx_pool_size);
	DEF(max_payload);
	DEF(peer_credits);
	DEF(credits);
	DEF(timeout_ms);
	DEF(attach_timeout_ms);
	DEF(timeout_grace_ms);
#undef DEF
	if (!p->socket_path)
		p->socket_path = LU2K_DEFAULT_SOCKET;
}

static void arm_timer(struct lu2k_ni *ni, unsigned int ms)
{
	struct itimerspec its = { .it_value = { ms / 1000, (long)(ms % 1000) * 1000000L } };

	timerfd_settime(ni->timerfd, 0, &its, NULL);
}

static void schedule_reattach(struct lu2k_ni *ni)
{
	arm_timer(ni, ni->backoff_ms);
	ni->backoff_ms = ni->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ni->backoff_ms * 2;
}

static void attached(struct lu2k_ni *ni)
{
	uint64_t exp;

	ni->backoff_ms = BACKOFF_MIN_MS;
	arm_timer(ni, 0);
	if (read(ni->timerfd, &exp, sizeof(exp)) < 0) {
		/* nothing pending: as expected */
	}
	if (ni->p.on_state)
		ni->p.on_state(ni, true, 0, ni->p.arg);
}

/*
 * The daemon is gone (or we leave): take what it completed or delivered
 * before it went, fail the rest exactly once, drop the region.
 */
static void detach(struct lu2k_ni *ni, int status, int fail_status, bool notify)
{
	if (!ni->region)
		return;
	ni->in_process = true;
	ni->dead = true; /* from here on lu2k_send() says -ENOTCONN */
	/* What the daemon finished before it went is real: take it (rings still sane). */
	if (!ni->cpl.broken)
		lu2k_tx_process_cpl(ni);
	if (!ni->rx.broken && fail_status != -ECANCELED)
		lu2k_rx_process(ni);
	epoll_ctl(ni->epfd, EPOLL_CTL_DEL, ni->sock, NULL);
	close(ni->sock);
	ni->sock = -1;
	lu2k_tx_fail_all(ni, fail_status);
	lu2k_rx_reset(ni);
	lu2k_ni_region_put(ni->region);
	ni->region = NULL;
	ni->wd_armed = false; /* the timer is the backoff's again */
	ni->kick_pending = false;
	ni->setup.features = 0;
	ni->st.detaches++;
	ni->in_process = false;
	if (notify && ni->p.on_state)
		ni->p.on_state(ni, false, status, ni->p.arg);
}

int lu2k_ni_open(struct lu2k_ni **nip, const struct lu2k_ni_params *p)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct lu2k_ni *ni;
	int rc;

	if (!p->on_cpl || lu2k_nid_check(&p->nid, LU2K_FEAT_ALL))
		return -EINVAL;
	ni = calloc(1, sizeof(*ni));
	if (!ni)
		return -ENOMEM;
	ni->p = *p;
	fill_defaults(&ni->p);
	ni->sock = ni->epfd = ni->timerfd = ni->pend_fd = -1;
	ni->backoff_ms = BACKOFF_MIN_MS;
	/* The module's bounds (include/lu2k/credit.h), before anything is sized by them. */
	lu2k_credit_limits(&ni->p.credits, &ni->p.peer_credits, ni->p.ring_entries);
	rc = -EINVAL;
	if (ni->p.max_payload > (1U << 30) ||
	    ni->p.tx_pool_size < (uint64_t)ni->p.max_payload + LU2K_HDR_MAX)
		goto fail;
	ni->path = strdup(ni->p.socket_path);
	ni->slots = calloc(ni->p.credits, sizeof(*ni->slots));
	ni->cookies = calloc(1, lu2k_cookie_tab_bytes(ni->p.credits));
	rc = -ENOMEM;
	if (!ni->path || !ni->slots || !ni->cookies)
		goto fail;
	rc = lu2k_ralloc_init(&ni->txa, ni->p.tx_pool_size, TX_UNIT_SHIFT);
	if (!rc)
		rc = lu2k_cookie_tab_init(ni->cookies, ni->p.credits);
	if (!rc)
		rc = lu2k_credits_init(&ni->cr, ni->p.peer_credits, ni->p.credits);
	if (rc)
		goto fail;
	ni->epfd = epoll_create1(EPOLL_CLOEXEC);
	ni->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ni->epfd < 0 || ni->timerfd < 0) {
		rc = -errno;
		goto fail;
	}
	ev.data.fd = ni->timerfd;
	if (epoll_ctl(ni->epfd, EPOLL_CTL_ADD, ni->timerfd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = lu2k_attach(ni);
	if (rc) {
		if (!(ni->p.flags & LU2K_NI_RETRY))
			goto fail;
		ni->dead = true;
		schedule_reattach(ni);
	} else {
		ni->backoff_ms = BACKOFF_MIN_MS;
	}
	*nip = ni;
	return 0;
fail:
	lu2k_ralloc_fini(&ni->txa);
	lu2k_credits_fini(&ni->cr);
	if (ni->epfd >= 0)
		close(ni->epfd);
	if (ni->timerfd >= 0)
		close(ni->timerfd);
	free(ni->cookies);
	free(ni->slots);
	free(ni->path);
	free(ni);
	return rc;
}

void lu2k_ni_close(struct lu2k_ni *ni)
{
	if (!ni)
		return;
	detach(ni, -ECANCELED, -ECANCELED, false);
	lu2k_attach_abort(ni);
	lu2k_ralloc_fini(&ni->txa);
	lu2k_credits_fini(&ni->cr);
	close(ni->epfd);
	close(ni->timerfd);
	free(ni->held);
	free(ni->pfree);
	free(ni->cookies);
	free(ni->slots);
	free(ni->path);
	free(ni);
}

int lu2k_ni_fd(const struct lu2k_ni *ni)
{
	return ni->epfd;
}

bool lu2k_ni_attached(const struct lu2k_ni *ni)
{
	return ni->region && !ni->dead;
}

const struct lu2k_nid *lu2k_ni_nid(const struct lu2k_ni *ni)
{
	return &ni->p.nid;
}

uint32_t lu2k_ni_max_payload(const struct lu2k_ni *ni)
{
	return ni->p.max_payload;
}

uint32_t lu2k_ni_features(const struct lu2k_ni *ni)
{
	return ni->region ? ni->setup.features : 0;
}

void lu2k_ni_stats(const struct lu2k_ni *ni, struct lu2k_ni_stats *st)
{
	*st = ni->st;
	st->inflight = ni->cookies->used;
	st->tx_pool_used = ni->txa.used;
}

int lu2k_ni_reattach(struct lu2k_ni *ni)
{
	int rc;

	if (ni->in_process)
		return -EBUSY;
	if (ni->region && !ni->dead)
		return -EISCONN;
	if (ni->region)
		detach(ni, ni->dead_status ? ni->dead_status : -ECONNRESET, -ECONNRESET, true);
	lu2k_attach_abort(ni);
	rc = lu2k_attach(ni);
	if (rc) {
		schedule_reattach(ni);
		return rc;
	}
	attached(ni);
	return 0;
}

/*
 * Detached. When the backoff timer fires, start an attach; when the daemon
 * answers, finish it; when the timer fires again first, give up this try.
 * Nothing here blocks.
 */
static int process_detached(struct lu2k_ni *ni)
{
	uint64_t exp;
	bool fired = read(ni->timerfd, &exp, sizeof(exp)) == sizeof(exp);
	int rc;

	if (ni->pend_fd >= 0) {
		rc = lu2k_attach_poll(ni);
		if (!rc) {
			attached(ni);
			return 1;
		}
		if (rc == -EAGAIN && !fired)
			return 0;
		lu2k_attach_abort(ni);
		schedule_reattach(ni);
		return 0;
	}
	if (!fired)
		return 0;
	rc = lu2k_attach_start(ni);
	if (rc)
		schedule_reattach(ni);
	else
		arm_timer(ni, ni->p.attach_timeout_ms); /* the answer's deadline */
	return 0;
}

static bool rings_broken(const struct lu2k_ni *ni)
{
	return ni->tx.broken || ni->cpl.broken || ni->rx.broken || ni->free.broken ||
	       ni->evt.broken;
}

/* drain: read the socket (kicks, EOF); lu2k_ni_wait skips it while busy. */
static int process(struct lu2k_ni *ni, bool drain)
{
	int total = 0, n;

	if (ni->in_process)
		return -EBUSY;
	if (!ni->region)
		return process_detached(ni);
	ni->in_process = true;
	if (drain && ni->wd_armed) {
		uint64_t exp;

		/* a tick: clear it; stop ticking once nothing is out */
		if (read(ni->timerfd, &exp, sizeof(exp)) == sizeof(exp) && !ni->cookies->used) {
			arm_timer(ni, 0);
			ni->wd_armed = false;
		}
	}
	if (drain && !ni->dead && lu2k_drain_kicks(ni)) {
		ni->dead = true;
		ni->dead_status = -ECONNRESET;
	}
	if (ni->cookies->used) {
		uint64_t now = lu2k_now_ms();

		if (now >= ni->next_watchdog_ms) {
			ni->next_watchdog_ms = now + 200;
			lu2k_tx_watchdog(ni, now);
		}
	}
	for (int round = 0; round < 64; round++) {
		n = lu2k_tx_process_cpl(ni);
		n += lu2k_rx_process(ni);
		n += lu2k_evt_process(ni);
		lu2k_rx_flush_free(ni);
		total += n;
		if (rings_broken(ni)) {
			ni->dead = true;
			ni->dead_status = -EPROTO;
			break;
		}
		if (n)
			continue;
		/* Nothing left: ask for a kick, then look once more ([E] in ring.h). */
		if (lu2k_ring_cons_prepare_sleep(&ni->cpl) & lu2k_ring_cons_prepare_sleep(&ni->rx) &
		    lu2k_ring_cons_prepare_sleep(&ni->evt))
			break;
	}
	ni->in_process = false;
	if (ni->dead) {
		detach(ni, ni->dead_status ? ni->dead_status : -ECONNRESET, -ECONNRESET, true);
		schedule_reattach(ni);
		total++;
	} else {
		lu2k_kick_flush(ni);
		/*
		 * Wake a sleeping caller for the watchdog while messages are out:
		 * a 500 ms tick, stopped lazily (at a tick with nothing out) so
		 * that one message at a time costs no timer syscalls.
		 */
		if (ni->cookies->used && !ni->wd_armed) {
			struct itimerspec its = { { 0, 500000000L }, { 0, 500000000L } };

			timerfd_settime(ni->timerfd, 0, &its, NULL);
			ni->wd_armed = true;
		}
	}
	return total;
}

int lu2k_ni_process(struct lu2k_ni *ni)
{
	return process(ni, true);
}

void lu2k_ni_flush(struct lu2k_ni *ni)
{
	if (!ni->in_process && !ni->dead)
		lu2k_kick_flush(ni);
}

int lu2k_ni_wait(struct lu2k_ni *ni, int timeout_ms)
{
	struct pollfd pfd = { .fd = ni->epfd, .events = POLLIN };
	int n = process(ni, false);

	if (n)
		return n;
	/* Idle: now the socket matters (kicks to clear, or EOF). */
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return process(ni, true);
}
