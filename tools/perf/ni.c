/* SPDX-License-Identifier: MIT */
/* ni.c - what lu2k-perf's client and server share: the NI, headers, time, signals. */
#include "perf.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "common/nid.h"

volatile sig_atomic_t perf_stop;

static void on_signal(int sig)
{
	perf_stop = perf_stop + 1;
	(void)sig;
}

void perf_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

uint64_t perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int perf_build_hdr(uint8_t *buf, const struct lu2k_nid *dst, const struct lu2k_nid *src,
		   const struct lu2k_lnet_hdr *h)
{
	struct lu2k_lnet_hdr x = *h;

	x.dest_nid = *dst;
	x.src_nid = *src;
	x.dest_pid = 12345; /* LNET_PID_LUSTRE */
	x.src_pid = 12345;
	return lu2k_lnet_hdr_encode(&x, buf, LU2K_HDR_MAX);
}

/* Open the NI and wait (bounded) until lu2kd took the attach. */
int perf_ni_open(const struct perf_opts *o, struct lu2k_ni_params *p, struct lu2k_ni **nip)
{
	char nb[LU2K_NID_STRLEN];
	uint64_t end;
	int rc;

	p->nid = o->nid;
	p->socket_path = o->socket;
	p->flags = LU2K_NI_RETRY | LU2K_NI_DEFER_KICK;
	if (o->tx_pool_mb)
		p->tx_pool_size = (uint64_t)o->tx_pool_mb << 20;
	if (o->rx_pool_mb)
		p->rx_pool_size = (uint64_t)o->rx_pool_mb << 20;
	if (o->peer_credits)
		p->peer_credits = o->peer_credits;
	if (o->credits)
		p->credits = o->credits;
	rc = lu2k_ni_open(nip, p);
	if (rc) {
		fprintf(stderr, "lu2k-perf: cannot open %s: %s\n",
			lu2k_nid_format(&o->nid, nb, sizeof(nb)), strerror(-rc));
		return rc;
	}
	end = perf_now_ns() + o->attach_wait_ns;
	while (!lu2k_ni_attached(*nip) && !perf_stop && perf_now_ns() < end)
		lu2k_ni_wait(*nip, 50);
	if (!lu2k_ni_attached(*nip)) {
		fprintf(stderr, "lu2k-perf: no lu2kd accepted the attach on %s\n", o->socket);
		lu2k_ni_close(*nip);
		*nip = NULL;
		return -ENOTCONN;
	}
	return 0;
}
