/* SPDX-License-Identifier: MIT */
/* opts.c - lu2k-perf's command line. */
#include "perf.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/nid.h"
#include "common/opt.h"
#include "common/rate.h"
#include "lu2k/version.h"

/* Options that --size, --time... share a parser: the entry says where and what range. */
static int opt_nid(const struct lu2k_opt *e, void *obj, const char *v, char *why, size_t n)
{
	struct perf_opts *o = obj;
	bool peer = !strcmp(e->lopt, "peer");

	(void)why;
	(void)n;
	if (lu2k_nid_parse(v, peer ? &o->peer : &o->nid))
		return -EINVAL;
	*(peer ? &o->have_peer : &o->have_nid) = true;
	return 0;
}

static int opt_size(const struct lu2k_opt *e, void *obj, const char *v, char *why, size_t n)
{
	uint64_t x;

	if (perf_parse_size(v, &x)) {
		snprintf(why, n, "not a size");
		return -EINVAL;
	}
	if (x < e->min || (e->max && x > e->max)) {
		snprintf(why, n, "out of range");
		return -EINVAL;
	}
	memcpy((char *)obj + e->off, &x, sizeof(x));
	return 0;
}

/* 10s, 200ms, 50us, 0 */
static void fmt_ns(uint64_t ns, char *buf, size_t n)
{
	if (!ns)
		snprintf(buf, n, "0");
	else if (ns % 1000000000ull == 0)
		snprintf(buf, n, "%" PRIu64 "s", ns / UINT64_C(1000000000));
	else if (ns % 1000000ull == 0)
		snprintf(buf, n, "%" PRIu64 "ms", ns / UINT64_C(1000000));
	else
		snprintf(buf, n, "%" PRIu64 "us", ns / UINT64_C(1000));
}

static int opt_time(const struct lu2k_opt *e, void *obj, const char *v, char *why, size_t n)
{
	uint64_t ns;

	if (perf_parse_time(v, &ns)) {
		snprintf(why, n, "not a time");
		return -EINVAL;
	}
	if (ns < e->min) {
		char least[32];

		fmt_ns(e->min, least, sizeof(least));
		if (e->min == 1)
			snprintf(why, n, "zero");
		else
			snprintf(why, n, "shorter than %s", least);
		return -EINVAL;
	}
	memcpy((char *)obj + e->off, &ns, sizeof(ns));
	return 0;
}

static int opt_rate(const struct lu2k_opt *e, void *obj, const char *v, char *why, size_t n)
{
	(void)e;
	(void)why;
	(void)n;
	return perf_parse_rate(v, &((struct perf_opts *)obj)->rate_bps);
}

static void show_u64(const struct lu2k_opt *e, const void *obj, uint64_t *x)
{
	memcpy(x, (const char *)obj + e->off, sizeof(*x));
}

/* 1M, 64K, 4096 */
static void show_size(const struct lu2k_opt *e, const void *obj, char *buf, size_t n)
{
	static const char sfx[] = " KMG";
	uint64_t x;
	int i = 0;

	show_u64(e, obj, &x);
	while (x && x % 1024 == 0 && i < 3) {
		x /= 1024;
		i++;
	}
	snprintf(buf, n, "%" PRIu64 "%.*s", x, i ? 1 : 0, &sfx[i]);
}

/* 10s, 200ms, 0 */
static void show_time(const struct lu2k_opt *e, const void *obj, char *buf, size_t n)
{
	uint64_t ns;

	show_u64(e, obj, &ns);
	fmt_ns(ns, buf, n);
}

static void show_rate(const struct lu2k_opt *e, const void *obj, char *buf, size_t n)
{
	uint64_t bps = ((const struct perf_opts *)obj)->rate_bps;

	(void)e;
	if (bps % 1000000 == 0)
		snprintf(buf, n, "%" PRIu64 "mbit", bps / 1000000);
	else
		snprintf(buf, n, "%" PRIu64 "bit", bps);
}

#define P struct perf_opts
#define SIZE(f, lo, hi)                                                                 \
	.type = LU2K_OPT_FUNC, .parse = opt_size, .show = show_size, LU2K_OPT_AT(P, f), \
	.min = (lo), .max = (hi)
#define TIME(f, lo)                                                                     \
	.type = LU2K_OPT_FUNC, .parse = opt_time, .show = show_time, LU2K_OPT_AT(P, f), \
	.min = (lo), .what = "a time: 10s, 500ms, 2m, 1.5s, 50us"
#define U32(f, lo, hi) .type = LU2K_OPT_UINT, LU2K_OPT_AT(P, f), .min = (lo), .max = (hi)

enum {
	P_NID,
	P_PEER,
	P_SOCKET,
	P_CTL,
	P_SIZE,
	P_CONC,
	P_COUNT,
	P_TIME,
	P_RATE,
	P_FPS,
	P_DEADLINE,
	P_WARMUP,
	P_LATEOK,
	P_MSGSIZE,
	P_TIMEOUT,
	P_PINGEVERY,
	P_ATTACH,
	P_SEED,
	P_TXPOOL,
	P_RXPOOL,
	P_PCRED,
	P_CRED,
	P_INTERVAL,
	P_PROGRESS,
	P_PLOT,
	P_JSON,
	P_QUIET,
	P_HELP,
	P_VERSION,
	P_N
};

static const struct lu2k_opt perf_opts_tbl[] = {
	[P_NID] = { .lopt = "nid",
		    .arg = "NID",
		    .type = LU2K_OPT_FUNC,
		    .parse = opt_nid,
		    .what = "a NID like 192.0.2.1@lu2k",
		    .help = "this interface (e.g. 192.0.2.1@lu2k)" },
	[P_PEER] = { .lopt = "peer",
		     .arg = "NID",
		     .type = LU2K_OPT_FUNC,
		     .parse = opt_nid,
		     .what = "a NID like 192.0.2.2@lu2k",
		     .help = "the server's NID (client)" },
	[P_SOCKET] = { .lopt = "socket",
		       .arg = "PATH",
		       .type = LU2K_OPT_PTR,
		       LU2K_OPT_AT(P, socket),
		       .help = "lu2kd's channel socket" },
	[P_CTL] = { .lopt = "ctl-socket",
		    .arg = "PATH",
		    .type = LU2K_OPT_PTR,
		    LU2K_OPT_AT(P, ctl_socket),
		    .dflt = "--socket's path with .sock replaced by .ctl; '' for none",
		    .help = "lu2kd's control socket, read each --interval for the bytes "
			    "acknowledged inside messages" },
	[P_SIZE] = { .lopt = "size",
		     .arg = "N",
		     SIZE(size, 0, LU2K_DEF_MAX_PAYLOAD),
		     .what = "a size: 4096, 64K, 1M, up to 4M",
		     .dflt = "1M; ping 64",
		     .help = "bytes per message" },
	[P_CONC] = { .lopt = "concurrency",
		     .arg = "N",
		     U32(concurrency, 1, 16384),
		     .dflt = "8; ping 1",
		     .help = "messages in flight" },
	[P_COUNT] = { .lopt = "count",
		      .arg = "N",
		      SIZE(count, 1, 0),
		      .dflt = "",
		      .what = "a count of at least 1",
		      .help = "messages (frames for stream) to send" },
	[P_TIME] = { .lopt = "time",
		     .arg = "T",
		     TIME(time_ns, 1),
		     .dflt = "10s unless --count",
		     .help = "run for T (10s, 500ms, 2m)" },
	[P_RATE] = { .lopt = "rate",
		     .arg = "R",
		     .type = LU2K_OPT_FUNC,
		     .parse = opt_rate,
		     .show = show_rate,
		     .what = LU2K_RATE_SYNTAX,
		     .help = "stream bit rate: 20mbit, 1.5gbit, 500kbit" },
	[P_FPS] = { .lopt = "fps",
		    .arg = "N",
		    U32(fps, 1, 10000),
		    .help = "stream frames per second" },
	[P_DEADLINE] = { .lopt = "deadline",
			 .arg = "T",
			 TIME(deadline_ns, 1),
			 .help = "stream: a frame is late after T" },
	[P_WARMUP] = { .lopt = "warmup",
		       .arg = "T",
		       TIME(warmup_ns, 0),
		       .help = "stream: frames due in the first T are not judged late (0 judges "
			       "every frame); bulk: --ping-every's pings sent in it are not "
			       "timed; ping: round trips sent in it are left out of "
			       "settled_latency_us (latency_us has them all)" },
	[P_LATEOK] = { .lopt = "late-ok",
		       .arg = "PCT",
		       U32(late_ok_pct, 0, 100),
		       .what = "a percentage",
		       .help = "stream: pass with up to PCT % of frames late" },
	[P_MSGSIZE] = { .lopt = "msg-size",
			.arg = "N",
			SIZE(msg_size, 1, LU2K_DEF_MAX_PAYLOAD),
			.what = "a size 1..4M",
			.help = "stream: largest message of a frame" },
	[P_TIMEOUT] = { .lopt = "timeout",
			.arg = "T",
			TIME(timeout_ns, 1),
			.help = "a message with no answer after T is lost" },
	[P_PINGEVERY] = { .lopt = "ping-every",
			  .arg = "T",
			  TIME(ping_every_ns, 0),
			  .dflt = "",
			  .help = "bulk: also a 64 B GET round trip every T, from the same NID, so "
				  "on the same connection (ping_latency_us; those sent in the "
				  "--warmup checked, not timed)" },
	[P_ATTACH] = { .lopt = "attach-wait",
		       .arg = "T",
		       TIME(attach_wait_ns, 0),
		       .help = "wait for lu2kd to accept the attach" },
	[P_SEED] = { .lopt = "seed",
		     .arg = "N",
		     SIZE(seed, 0, 0),
		     .what = "a number",
		     .dflt = "random",
		     .help = "payload seed" },
	[P_TXPOOL] = { .lopt = "tx-pool",
		       .arg = "MB",
		       U32(tx_pool_mb, 8, 4096),
		       .dflt = "liblu2k's",
		       .help = "liblu2k's send pool, MiB" },
	[P_RXPOOL] = { .lopt = "rx-pool",
		       .arg = "MB",
		       U32(rx_pool_mb, 8, 4096),
		       .dflt = "liblu2k's",
		       .help = "liblu2k's receive pool, MiB" },
	[P_PCRED] = { .lopt = "peer-credits",
		      .arg = "N",
		      U32(peer_credits, 1, 65536),
		      .dflt = "liblu2k's",
		      .help = "liblu2k's credits per peer" },
	[P_CRED] = { .lopt = "credits",
		     .arg = "N",
		     U32(credits, 1, 65536),
		     .dflt = "liblu2k's",
		     .help = "liblu2k's credits of the interface" },
	[P_INTERVAL] = { .lopt = "interval",
			 .arg = "T",
			 TIME(interval_ns, 10000000),
			 .help = "progress and sample period (at least 10ms)" },
	[P_PROGRESS] = { .lopt = "progress",
			 .type = LU2K_OPT_FLAG,
			 LU2K_OPT_AT(P, progress),
			 .help = "a progress line every --interval (default: when stdout is a "
				 "tty)" },
	[P_PLOT] = { .lopt = "plot",
		     .arg = "FILE",
		     .type = LU2K_OPT_PTR,
		     LU2K_OPT_AT(P, plot),
		     .min = 1,
		     .what = "a file name",
		     .help = "draw rate and latency over time into FILE (PNG; SVG for *.svg; needs "
			     "gnuplot)" },
	[P_JSON] = { .lopt = "json",
		     .type = LU2K_OPT_FLAG,
		     LU2K_OPT_AT(P, json),
		     .help = "the summary as one JSON object on stdout, with a sample per "
			     "--interval in \"intervals\"" },
	[P_QUIET] = { .lopt = "quiet",
		      .sopt = 'q',
		      .type = LU2K_OPT_FLAG,
		      LU2K_OPT_AT(P, quiet),
		      .help = "no progress, summary only" },
	[P_HELP] = { .lopt = "help", .sopt = 'h', .type = LU2K_OPT_FLAG, .help = "this text" },
	[P_VERSION] = { .lopt = "version",
			.sopt = 'V',
			.type = LU2K_OPT_FLAG,
			.help = "print the version" },
	[P_N] = LU2K_OPT_END,
};

static void perf_defaults(struct perf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->socket = LU2K_DEFAULT_SOCKET;
	o->size = 1 << 20;
	o->concurrency = 8;
	o->rate_bps = 20000000;
	o->fps = 25;
	o->deadline_ns = 200000000ULL;
	o->msg_size = 1 << 20;
	o->timeout_ns = 30000000000ULL;
	o->attach_wait_ns = 5000000000ULL;
	o->interval_ns = 1000000000ULL;
	o->warmup_ns = 1000000000ULL;
}

void perf_usage(FILE *f)
{
	struct perf_opts d;

	perf_defaults(&d);
	fprintf(f, "usage: lu2k-perf server --nid NID [--socket PATH] [--time T] [--json]\n"
		   "       lu2k-perf client --nid NID --peer NID [--socket PATH] MODE [options]\n"
		   "\n"
		   "The LNet-selftest of lu2k: a client and a server over liblu2k, each attached\n"
		   "to its own lu2kd. Every payload is verified; exit status 0 only if every\n"
		   "message completed and checked out.\n"
		   "\n"
		   "modes:\n"
		   "  bulk     PUT of --size bytes, --concurrency in flight; the server checks and "
		   "ACKs\n"
		   "  get      GET/REPLY of --size bytes; the client checks\n"
		   "  ping     small GET/REPLY round trips (default 64 B, concurrency 1): latency\n"
		   "  stream   constant bit rate in frames (--rate, --fps), each due within "
		   "--deadline\n"
		   "\n"
		   "options:\n");
	lu2k_opt_help(f, perf_opts_tbl, &d);
}

int perf_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			break;
		default:
			return -EINVAL;
		}
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

int perf_parse_time(const char *s, uint64_t *ns)
{
	char *end;
	double v;
	double mul = 1e9;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mul = 60e9;
	else if (!strcmp(end, "h"))
		mul = 3600e9;
	else
		return -EINVAL;
	if (v * mul > 1e18)
		return -EINVAL;
	*ns = (uint64_t)(v * mul + 0.5);
	return 0;
}

int perf_parse_rate(const char *s, uint64_t *bps)
{
	return lu2k_parse_rate(s, bps) ? -EINVAL : 0;
}

static int mode_of(const char *s, enum perf_mode *m)
{
	static const char *const names[] = { "bulk", "get", "ping", "stream" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*m = (enum perf_mode)i;
			return 0;
		}
	return -EINVAL;
}

int perf_parse_args(int argc, char **argv, struct perf_opts *o)
{
	const struct lu2k_opt *const tables[] = { perf_opts_tbl, NULL };
	bool have_size = false, have_conc = false, have_mode = false;
	struct option longopts[P_N + 1];
	char shortopts[16], err[512];
	int c;

	perf_defaults(o);
	if (lu2k_opt_getopt(tables, longopts, P_N + 1, shortopts, sizeof(shortopts)))
		return -EINVAL; /* cannot happen: the arrays are the table's size */
	if (argc < 2) {
		perf_usage(stderr);
		return -EINVAL;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		perf_usage(stdout);
		return 1;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("lu2k-perf %s\n", LU2K_VERSION_STR);
		return 1;
	}
	if (!strcmp(argv[1], "server"))
		o->server = true;
	else if (strcmp(argv[1], "client")) {
		fprintf(stderr, "lu2k-perf: first argument is 'client' or 'server', not '%s'\n",
			argv[1]);
		return -EINVAL;
	}
	/* options may come before and after the mode (getopt moves it last) */
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct lu2k_opt *e = lu2k_opt_by_val(tables, c);

		if (!e)
			return -EINVAL; /* getopt said why */
		if (e == &perf_opts_tbl[P_HELP]) {
			perf_usage(stdout);
			return 1;
		}
		if (e == &perf_opts_tbl[P_VERSION]) {
			printf("lu2k-perf %s\n", LU2K_VERSION_STR);
			return 1;
		}
		if (lu2k_opt_set(e, o, optarg ? optarg : "", NULL, err, sizeof(err))) {
			fprintf(stderr, "lu2k-perf: %s\n", err);
			return -EINVAL;
		}
		have_size |= e == &perf_opts_tbl[P_SIZE];
		have_conc |= e == &perf_opts_tbl[P_CONC];
	}
	if (!o->have_nid) {
		fprintf(stderr, "lu2k-perf: --nid is required\n");
		return -EINVAL;
	}
	if (o->server) {
		if (optind != argc) {
			fprintf(stderr, "lu2k-perf: unexpected argument '%s'\n", argv[optind]);
			return -EINVAL;
		}
		return 0;
	}
	if (optind < argc && !mode_of(argv[optind], &o->mode)) {
		have_mode = true;
		optind++;
	}
	if (!have_mode || optind != argc) {
		fprintf(stderr, "lu2k-perf: client needs one mode: bulk, get, ping or stream\n");
		return -EINVAL;
	}
	if (!o->have_peer) {
		fprintf(stderr, "lu2k-perf: client needs --peer\n");
		return -EINVAL;
	}
	if (o->mode == PERF_PING) {
		if (!have_size)
			o->size = 64;
		if (!have_conc)
			o->concurrency = 1;
	}
	if (o->mode == PERF_STREAM && o->rate_bps / 8 / o->fps == 0) {
		fprintf(stderr, "lu2k-perf: --rate / --fps gives empty frames\n");
		return -EINVAL;
	}
	if (!o->count && !o->time_ns)
		o->time_ns = 10000000000ULL;
	return 0;
}
