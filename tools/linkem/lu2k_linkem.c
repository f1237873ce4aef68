// SPDX-License-Identifier: MIT
/*
 * lu2k_linkem.c - lu2k-linkem: joins two network namespaces through TUN
 * devices and forwards IP packets between them through the emulator core.
 *
 * One thread: epoll over both TUN fds and a signalfd; the delay line's next
 * deadline is the epoll timeout (epoll_pwait2, nanoseconds, with the timer
 * slack set to 1 ns so wake-ups are not late by the default 50 us). Times
 * given to the core are CLOCK_MONOTONIC nanoseconds since start-up, so
 * outages are scheduled from the moment the link is ready.
 *
 *   ns A                                            ns B
 *   lka0 10.77.0.1 --fd--> [ a2b: linkem_dir ] --fd--> lkb0 10.77.0.2
 *                  <--fd-- [ b2a: linkem_dir ] <--fd--
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "linkem.h"
#include "linkem_netns.h"
#include "linkem_opts.h"
#include "lu2k/version.h"

#define READ_BATCH 64 /* packets read from one TUN before looking at the other */
#define PKT_MAX	   65536

static const char *const dir_name[2] = { "a2b", "b2a" };

struct linkem_tool {
	struct linkem_config cfg;
	struct linkem_side side[2];
	struct linkem_dir dir[2]; /* dir[i] carries packets read on side i */
	uint64_t write_err[2];
	uint64_t late_sum[2], late_max[2]; /* how late packets were written, ns */
	uint64_t late_1ms[2];		   /* packets written over 1 ms late */
	uint64_t t0;			   /* CLOCK_MONOTONIC at start-up, ns */
	uint64_t next_stats;		   /* time of the next periodic report (tool clock) */
	int epfd, sigfd;
	bool ready_written, pid_written;
};

static uint8_t pkt_buf[PKT_MAX];

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LINKEM_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t tool_now(const struct linkem_tool *t)
{
	return mono_ns() - t->t0;
}

static void format_counters(const struct linkem_tool *t, char *out, size_t cap)
{
	double secs = (double)tool_now(t) / 1e9;
	size_t off = 0;

	for (int i = 0; i < 2 && off < cap; i++) {
		const struct linkem_counters *c = linkem_dir_counters(&t->dir[i]);

		off += (size_t)snprintf(
			out + off, cap - off,
			"%s in=%llu in_bytes=%llu lost=%llu drop_queue=%llu drop_mtu=%llu "
			"drop_outage=%llu drop_mem=%llu delivered=%llu delivered_bytes=%llu "
			"held=%zu max_wait_us=%llu write_err=%llu late_avg_us=%.1f "
			"late_max_us=%.1f late_1ms=%llu t_s=%.3f\n",
			dir_name[i], (unsigned long long)c->in_pkts,
			(unsigned long long)c->in_bytes, (unsigned long long)c->lost_pkts,
			(unsigned long long)c->drop_queue, (unsigned long long)c->drop_mtu,
			(unsigned long long)c->drop_outage, (unsigned long long)c->drop_mem,
			(unsigned long long)c->out_pkts, (unsigned long long)c->out_bytes,
			linkem_dir_held(&t->dir[i]), (unsigned long long)(c->max_wait_ns / 1000),
			(unsigned long long)t->write_err[i],
			c->out_pkts ? (double)t->late_sum[i] / (double)c->out_pkts / 1e3 : 0.0,
			(double)t->late_max[i] / 1e3, (unsigned long long)t->late_1ms[i], secs);
	}
}

/* Writes text to path through a temporary file, so readers never see half. */
static int write_file_atomic(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void report(struct linkem_tool *t)
{
	char text[1024];

	format_counters(t, text, sizeof(text));
	if (!t->cfg.quiet) {
		fputs(text, stdout);
		fflush(stdout);
	}
	if (t->cfg.stats_file && write_file_atomic(t->cfg.stats_file, text))
		fprintf(stderr, "lu2k-linkem: cannot write %s: %s\n", t->cfg.stats_file,
			strerror(errno));
}

/* Reads up to READ_BATCH packets from side i into its direction. */
static int read_side(struct linkem_tool *t, int i)
{
	for (int n = 0; n < READ_BATCH; n++) {
		ssize_t len = read(t->side[i].tun_fd, pkt_buf, sizeof(pkt_buf));

		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, "lu2k-linkem: read from %s: %s\n", t->side[i].dev,
				strerror(errno));
			return -1;
		}
		if (len == 0)
			continue;
		/* verdicts are counted by the core; -ENOMEM is counted as drop_mem */
		linkem_dir_push(&t->dir[i], tool_now(t), pkt_buf, (size_t)len);
	}
	return 0;
}

/* Hands every due packet of direction i to the other side's TUN. */
static void deliver(struct linkem_tool *t, int i, uint64_t now)
{
	int out = t->side[!i].tun_fd;
	struct linkem_pkt *pkt;

	while ((pkt = linkem_dir_pop(&t->dir[i], now))) {
		uint64_t late = now - pkt->deliver_ns;

		t->late_sum[i] += late;
		if (late > t->late_max[i])
			t->late_max[i] = late;
		t->late_1ms[i] += late > 1000000;
		if (write(out, pkt->data, pkt->len) != (ssize_t)pkt->len) {
			/* say the first one; the rest are only counted */
			if (!t->write_err[i]++)
				fprintf(stderr,
					"lu2k-linkem: %s: write to %s: %s (counted in "
					"write_err)\n",
					dir_name[i], t->side[!i].dev, strerror(errno));
		}
		linkem_pkt_free(pkt);
	}
}

/* Returns 1 to go on, 0 to stop (SIGINT, SIGTERM). */
static int on_signal(struct linkem_tool *t)
{
	struct signalfd_siginfo si;

	while (read(t->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			report(t);
		else
			return 0;
	}
	return 1;
}

static int run(struct linkem_tool *t)
{
	struct epoll_event ev[4];

	for (;;) {
		uint64_t now = tool_now(t), next = UINT64_MAX;
		struct timespec ts, *tsp = NULL;
		int n;

		for (int i = 0; i < 2; i++) {
			uint64_t d;

			deliver(t, i, now);
			d = linkem_dir_next_deadline(&t->dir[i]);
			next = d < next ? d : next;
		}
		if (t->cfg.stats_interval_ns) {
			if (now >= t->next_stats) {
				report(t);
				t->next_stats = now + t->cfg.stats_interval_ns;
			}
			next = t->next_stats < next ? t->next_stats : next;
		}
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;

			ts.tv_sec = (time_t)(wait / LINKEM_NS_PER_SEC);
			ts.tv_nsec = (long)(wait % LINKEM_NS_PER_SEC);
			tsp = &ts;
		}
		n = epoll_pwait2(t->epfd, ev, 4, tsp, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("lu2k-linkem: epoll_pwait2");
			return 1;
		}
		for (int k = 0; k < n; k++) {
			int what = (int)ev[k].data.u32;

			if (what == 2) {
				if (!on_signal(t))
					return 0;
			} else if (read_side(t, what)) {
				return 1;
			}
		}
	}
}

static int setup_events(struct linkem_tool *t)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	t->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->sigfd < 0 || t->epfd < 0)
		return -1;
	for (uint32_t i = 0; i < 3; i++) {
		ev.data.u32 = i;
		if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, i < 2 ? t->side[i].tun_fd : t->sigfd, &ev))
			return -1;
	}
	return 0;
}

static int start_dirs(struct linkem_tool *t)
{
	uint64_t x = t->cfg.seed;

	for (int i = 0; i < 2; i++) {
		const char *why;

		if (linkem_params_check(&t->cfg.dir[i], &why)) {
			fprintf(stderr, "lu2k-linkem: %s: %s\n", dir_name[i], why);
			return -1;
		}
		/* each direction its own stream, both fixed by the one seed */
		linkem_dir_init(&t->dir[i], &t->cfg.dir[i], linkem_splitmix64(&x));
	}
	return 0;
}

static void print_ready(const struct linkem_tool *t)
{
	if (t->cfg.quiet)
		return;
	fprintf(stderr, "lu2k-linkem: ready: A = %s/%s %s %s, B = %s/%s %s %s, seed %llu\n",
		t->side[0].ns, t->side[0].dev, t->side[0].addr4, t->side[0].addr6, t->side[1].ns,
		t->side[1].dev, t->side[1].addr4, t->side[1].addr6,
		(unsigned long long)t->cfg.seed);
}

static void cleanup_files(struct linkem_tool *t)
{
	if (t->ready_written)
		unlink(t->cfg.ready_file);
	if (t->pid_written)
		unlink(t->cfg.pid_file);
}

int main(int argc, char **argv)
{
	static struct linkem_tool tool;
	struct linkem_tool *t = &tool;
	char err[256], pid[32];
	sigset_t set;
	int rc;

	linkem_config_defaults(&t->cfg);
	if (linkem_opts_parse(&t->cfg, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "lu2k-linkem: %s\n", err);
		return 2;
	}
	if (t->cfg.help) {
		linkem_opts_usage(stdout);
		return 0;
	}
	if (t->cfg.version) {
		printf("lu2k-linkem %s\n", LU2K_VERSION_STR);
		return 0;
	}
	/* block the signals first: one that comes during setup is handled
	 * after it, and still cleans up */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* a reader of our stdout that went away must not kill us before cleanup */
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* a harness that dies (even by SIGKILL) still gets its namespaces removed */
	if (t->cfg.die_with_parent &&
	    (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) || getppid() == 1)) {
		fprintf(stderr, "lu2k-linkem: --die-with-parent: the parent is gone\n");
		return 1;
	}

	for (int i = 0; i < 2; i++)
		if (!t->cfg.ns[i][0])
			snprintf(t->cfg.ns[i], sizeof(t->cfg.ns[i]), "lk%d%c", (int)getpid(),
				 'a' + i);
	if (!t->cfg.seed_set) {
		uint64_t x = mono_ns() ^ ((uint64_t)getpid() << 32);

		t->cfg.seed = linkem_splitmix64(&x) >> 1; /* fits a signed 64 for scripts */
	}
	if (start_dirs(t))
		return 2;
	if (t->cfg.pid_file) {
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		if (write_file_atomic(t->cfg.pid_file, pid)) {
			fprintf(stderr, "lu2k-linkem: cannot write %s: %s\n", t->cfg.pid_file,
				strerror(errno));
			return 1;
		}
		t->pid_written = true;
	}
	if (linkem_sides_setup(&t->cfg, t->side)) {
		cleanup_files(t);
		return 1;
	}
	if (setup_events(t)) {
		perror("lu2k-linkem: epoll/signalfd");
		rc = 1;
		goto out;
	}
	/* after setup, so that ip(8) does not inherit the real-time class */
	if (t->cfg.rt_prio) {
		struct sched_param sp = { .sched_priority = (int)t->cfg.rt_prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
			fprintf(stderr, "lu2k-linkem: --rt-prio: %s\n", strerror(errno));
			rc = 1;
			goto out;
		}
	}
	t->t0 = mono_ns();
	t->next_stats = t->cfg.stats_interval_ns;
	if (t->cfg.ready_file) {
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		if (write_file_atomic(t->cfg.ready_file, pid)) {
			fprintf(stderr, "lu2k-linkem: cannot write %s: %s\n", t->cfg.ready_file,
				strerror(errno));
			rc = 1;
			goto out;
		}
		t->ready_written = true;
	}
	print_ready(t);
	rc = run(t);
	report(t);
out:
	linkem_sides_teardown(t->side);
	cleanup_files(t);
	for (int i = 0; i < 2; i++)
		linkem_dir_destroy(&t->dir[i]);
	return rc;
}
