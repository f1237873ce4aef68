// SPDX-License-Identifier: MIT
/*
 * bench_peers_work.c - lu2k-bench-peers: the worker processes that play the
 * peers. Each attaches its share of the interfaces to one B daemon, then
 * either receives what A sends (idle peers) or sends messages to A, each
 * interface keeping its credits' worth in flight (busy peers), until the
 * parent closes its stop pipe; it then drains what is in flight, writes
 * one struct bp_peer_res per peer back, and keeps its peers attached (idle)
 * until the parent ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_peers.h"
#include "lib/lnet_hdr.h"
#include "lib/lu2k.h"

struct wpeer {
	struct lu2k_ni *ni;
	uint32_t idx; /* the peer's number: NID base + idx */
	struct bp_peer_res r;
};

struct wfill {
	uint32_t peer;
	uint64_t seq;
};

static void w_cpl(struct lu2k_ni *ni, void *ctx, int status, void *arg)
{
	struct wpeer *p = arg;

	if (status == 0)
		p->r.ok++;
	else
		p->r.err++;
}

static int w_rx(struct lu2k_ni *ni, const struct lu2k_rx_msg *msg, void *arg)
{
	((struct wpeer *)arg)->r.rcvd++;
	return 0;
}

static void w_fill(void *dst, size_t len, void *arg)
{
	const struct wfill *f = arg;

	bp_fill(dst, len, f->peer, f->seq);
}

/* Sends to A until the interface is out of credits (or pool). */
static int send_more(const struct bp_opts *o, struct wpeer *p)
{
	for (;;) {
		struct lu2k_lnet_hdr h;
		struct wfill f = { p->idx, p->r.sent };
		uint8_t hdr[128];
		int len, rc;

		memset(&h, 0, sizeof(h));
		h.dest_nid = o->nid_a;
		bp_nid(&h.src_nid, &o->base, p->idx);
		h.type = LU2K_LNET_MSG_PUT;
		h.payload_length = o->size;
		h.msg.put.match_bits = p->r.sent;
		h.msg.put.hdr_data = p->idx;
		len = lu2k_lnet_hdr_encode(&h, hdr, sizeof(hdr));
		if (len < 0)
			return len;
		rc = lu2k_send_fill(p->ni, &o->nid_a, NULL, hdr, (size_t)len, o->size, w_fill, &f,
				    60000, NULL);
		if (rc == -EAGAIN)
			return 0;
		if (rc)
			return rc;
		p->r.sent++;
	}
}

static int attach(const struct bp_opts *o, const char *sock, struct wpeer *p)
{
	struct lu2k_ni_params pr;
	struct lu2k_nid n;

	bp_nid(&n, &o->base, p->idx);
	lu2k_ni_params_init(&pr);
	pr.nid = n;
	pr.socket_path = sock;
	pr.ring_entries = 16;
	/* a pool holds at least one message of max_payload */
	pr.rx_pool_size = o->busy_s ? (uint64_t)o->size + (64 << 10) : 64 << 10;
	pr.max_payload = o->busy_s ? o->size : 4096;
	pr.tx_pool_size = o->busy_s ? (uint64_t)o->credits * (o->size + 4096) : 64 << 10;
	pr.peer_credits = o->busy_s ? o->credits : 8;
	pr.credits = o->busy_s ? o->credits : 16;
	pr.on_cpl = w_cpl;
	pr.on_rx = w_rx;
	pr.arg = p;
	return lu2k_ni_open(&p->ni, &pr);
}

static void write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t r = write(fd, b, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(3);
		b += r;
		len -= (size_t)r;
	}
}

static bool drained(const struct wpeer *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (p[i].r.ok + p[i].r.err < p[i].r.sent)
			return false;
	return true;
}

static void worker(const struct bp_opts *o, const char *sock, unsigned int first, unsigned int n,
		   int stop_fd, int res_fd)
{
	struct wpeer *p = calloc(n, sizeof(*p));
	struct epoll_event ev, evs[256];
	bool sending = o->busy_s > 0;
	double drain_end = 0;
	unsigned int i;
	int ep = epoll_create1(EPOLL_CLOEXEC), k, nev, rc;
	uint8_t ok = 0;

	if (!p || ep < 0)
		_exit(2);
	for (i = 0; i < n; i++) {
		p[i].idx = first + i;
		rc = attach(o, sock, &p[i]);
		if (rc) {
			fprintf(stderr, "lu2k-bench-peers: attach peer %u to %s: %s\n", first + i,
				sock, strerror(-rc));
			ok = 1;
			write_all(res_fd, &ok, 1);
			_exit(1);
		}
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, lu2k_ni_fd(p[i].ni), &ev))
			_exit(2);
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = UINT32_MAX };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &ev))
		_exit(2);
	write_all(res_fd, &ok, 1);
	/* an interface's fd wakes us only once its process has returned 0 */
	for (i = 0; i < n; i++) {
		while (lu2k_ni_process(p[i].ni) > 0)
			;
		if (sending && send_more(o, &p[i]))
			_exit(4);
	}
	for (;;) {
		nev = epoll_wait(ep, evs, 256, 100);
		/* quiet for 100 ms: look at every one (the interfaces' timers) */
		for (i = 0; nev == 0 && i < n; i++) {
			while (lu2k_ni_process(p[i].ni) > 0)
				;
			if (sending && send_more(o, &p[i]))
				_exit(4);
		}
		for (k = 0; k < nev; k++) {
			struct wpeer *q;

			if (evs[k].data.u32 == UINT32_MAX) {
				/* the parent is done: no new messages, and wait for the last ones */
				epoll_ctl(ep, EPOLL_CTL_DEL, stop_fd, NULL);
				sending = false;
				drain_end = bp_now() + 30;
				continue;
			}
			q = &p[evs[k].data.u32];
			while (lu2k_ni_process(q->ni) > 0)
				;
			if (sending && send_more(o, q))
				_exit(4);
		}
		if (drain_end && (drained(p, n) || bp_now() > drain_end))
			break;
	}
	for (i = 0; i < n; i++)
		write_all(res_fd, &p[i].r, sizeof(p[i].r));
	/*
	 * The peers stay (the parent measures A with them idle) until the
	 * parent's SIGTERM ends us: their daemon then sees them detach.
	 */
	for (;;) {
		nev = epoll_wait(ep, evs, 256, 1000);
		for (k = 0; k < nev; k++)
			while (lu2k_ni_process(p[evs[k].data.u32].ni) > 0)
				;
	}
}

int bp_workers_start(const struct bp_opts *o, struct bp_worker *w, void (*tick)(void *), void *arg)
{
	unsigned int per = (o->peers + o->nb - 1) / o->nb, b;

	for (b = 0; b < o->nb; b++) {
		int sp[2], rp[2];
		uint8_t ready = 1;

		w[b].first = b * per;
		w[b].n = w[b].first >= o->peers ? 0 : o->peers - w[b].first;
		if (w[b].n > per)
			w[b].n = per;
		w[b].got = 0;
		w[b].pid = -1;
		if (!w[b].n)
			continue;
		if (pipe2(sp, O_CLOEXEC) || pipe2(rp, O_CLOEXEC))
			return -errno;
		w[b].pid = fork();
		if (w[b].pid < 0)
			return -errno;
		if (w[b].pid == 0) {
			/* a worker does not outlive the run */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(sp[1]);
			close(rp[0]);
			for (unsigned int j = 0; j < b; j++) {
				close(w[j].stop_fd);
				close(w[j].res_fd);
			}
			worker(o, o->sock_b[b], w[b].first, w[b].n, sp[0], rp[1]);
		}
		close(sp[0]);
		close(rp[1]);
		w[b].stop_fd = sp[1];
		w[b].res_fd = rp[0];
		/* one at a time: 1,000 attaches at once would only queue at the daemons */
		while (poll(&(struct pollfd){ .fd = rp[0], .events = POLLIN }, 1, 0) == 0)
			tick(arg);
		if (read(w[b].res_fd, &ready, 1) != 1 || ready != 0) {
			fprintf(stderr,
				"lu2k-bench-peers: worker %u (%s) did not attach its peers\n", b,
				o->sock_b[b]);
			return -EIO;
		}
		fcntl(w[b].res_fd, F_SETFL, O_NONBLOCK);
	}
	return 0;
}

void bp_workers_stop(const struct bp_opts *o, struct bp_worker *w)
{
	for (unsigned int b = 0; b < o->nb; b++)
		if (w[b].n && w[b].stop_fd >= 0) {
			close(w[b].stop_fd);
			w[b].stop_fd = -1;
		}
}

int bp_workers_collect(const struct bp_opts *o, struct bp_worker *w, struct bp_peer_res *res)
{
	int all = 1;

	for (unsigned int b = 0; b < o->nb; b++) {
		size_t want = (size_t)w[b].n * sizeof(*res);
		ssize_t r;

		while (w[b].got < want) {
			r = read(w[b].res_fd, (uint8_t *)&res[w[b].first] + w[b].got,
				 want - w[b].got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN)
				break;
			if (r <= 0)
				return -1;
			w[b].got += (size_t)r;
		}
		if (w[b].got < want)
			all = 0;
	}
	return all;
}

void bp_workers_reap(const struct bp_opts *o, struct bp_worker *w)
{
	for (unsigned int b = 0; b < o->nb; b++) {
		if (w[b].pid <= 0)
			continue;
		kill(w[b].pid, SIGTERM);
		waitpid(w[b].pid, NULL, 0);
		close(w[b].res_fd);
		w[b].pid = -1;
	}
}
