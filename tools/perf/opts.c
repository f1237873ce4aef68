/* SPDX-License-Identifier: MIT */
/* opts.c - lu2k-perf's command line. */
#include "perf.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/nid.h"
#include "common/rate.h"
#include "lu2k/version.h"

void perf_usage(FILE *f)
{
	fprintf(f,
		"usage: lu2k-perf server --nid NID [--socket PATH] [--time T] [--json]\n"
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
		"options:\n"
		"  --nid NID           this interface (e.g. 192.0.2.1@lu2k)\n"
		"  --peer NID          the server's NID (client)\n"
		"  --socket PATH       lu2kd's channel socket (default " LU2K_DEFAULT_SOCKET ")\n"
		"  --ctl-socket PATH   lu2kd's control socket, read each --interval for the bytes\n"
		"                      acknowledged inside messages (default: --socket's path\n"
		"                      with .sock replaced by .ctl; '' for none)\n"
		"  --size N            bytes per message: 4096, 64K, 1M, up to 4M (default 1M; "
		"ping 64)\n"
		"  --concurrency N     messages in flight (default 8; ping 1)\n"
		"  --count N           messages (frames for stream) to send\n"
		"  --time T            run for T (10s, 500ms, 2m); default 10s unless --count\n"
		"  --rate R            stream bit rate: 20mbit, 1.5gbit, 500kbit (default 20mbit)\n"
		"  --fps N             stream frames per second (default 25)\n"
		"  --deadline T        stream: a frame is late after T (default 200ms)\n"
		"  --warmup T          stream: frames due in the first T are not judged late\n"
		"                      (default 1s; 0 judges every frame)\n"
		"  --late-ok PCT       stream: pass with up to PCT %% of frames late (default 0)\n"
		"  --msg-size N        stream: largest message of a frame (default 1M)\n"
		"  --timeout T         a message with no answer after T is lost (default 30s)\n"
		"  --attach-wait T     wait for lu2kd to accept the attach (default 5s)\n"
		"  --seed N            payload seed (default random)\n"
		"  --tx-pool MB, --rx-pool MB, --peer-credits N, --credits N   liblu2k sizes\n"
		"  --interval T        progress and sample period (default 1s, at least 10ms)\n"
		"  --progress          a progress line every --interval (default: when stdout is "
		"a tty)\n"
		"  --plot FILE         draw rate and latency over time into FILE (PNG; SVG for\n"
		"                      *.svg; needs gnuplot)\n"
		"  --json              the summary as one JSON object on stdout, with a sample\n"
		"                      per --interval in \"intervals\"\n"
		"  -q, --quiet         no progress, summary only\n"
		"  -h, --help\n"
		"  -V, --version\n");
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

enum {
	O_NID = 256,
	O_PEER,
	O_SOCKET,
	O_SIZE,
	O_CONC,
	O_COUNT,
	O_TIME,
	O_RATE,
	O_FPS,
	O_DEADLINE,
	O_MSGSIZE,
	O_TIMEOUT,
	O_ATTACH,
	O_SEED,
	O_JSON,
	O_PROGRESS,
	O_TXPOOL,
	O_RXPOOL,
	O_PCRED,
	O_CRED,
	O_INTERVAL,
	O_WARMUP,
	O_LATEOK,
	O_PLOT,
	O_CTL,
};

static const struct option longopts[] = {
	{ "nid", 1, NULL, O_NID },
	{ "peer", 1, NULL, O_PEER },
	{ "socket", 1, NULL, O_SOCKET },
	{ "size", 1, NULL, O_SIZE },
	{ "concurrency", 1, NULL, O_CONC },
	{ "count", 1, NULL, O_COUNT },
	{ "time", 1, NULL, O_TIME },
	{ "rate", 1, NULL, O_RATE },
	{ "fps", 1, NULL, O_FPS },
	{ "deadline", 1, NULL, O_DEADLINE },
	{ "msg-size", 1, NULL, O_MSGSIZE },
	{ "timeout", 1, NULL, O_TIMEOUT },
	{ "attach-wait", 1, NULL, O_ATTACH },
	{ "seed", 1, NULL, O_SEED },
	{ "json", 0, NULL, O_JSON },
	{ "progress", 0, NULL, O_PROGRESS },
	{ "quiet", 0, NULL, 'q' },
	{ "tx-pool", 1, NULL, O_TXPOOL },
	{ "rx-pool", 1, NULL, O_RXPOOL },
	{ "peer-credits", 1, NULL, O_PCRED },
	{ "credits", 1, NULL, O_CRED },
	{ "interval", 1, NULL, O_INTERVAL },
	{ "warmup", 1, NULL, O_WARMUP },
	{ "late-ok", 1, NULL, O_LATEOK },
	{ "plot", 1, NULL, O_PLOT },
	{ "ctl-socket", 1, NULL, O_CTL },
	{ "help", 0, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *val)
{
	fprintf(stderr, "lu2k-perf: bad value for --%s: '%s' (see --help)\n", opt, val);
	return -EINVAL;
}

static const char *opt_name(int c)
{
	for (const struct option *l = longopts; l->name; l++)
		if (l->val == c)
			return l->name;
	return "?";
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
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
	bool have_size = false, have_conc = false, have_mode = false;
	int c;

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
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		const char *name = opt_name(c);

		switch (c) {
		case O_NID:
			if (lu2k_nid_parse(optarg, &o->nid))
				return bad(name, optarg);
			o->have_nid = true;
			break;
		case O_PEER:
			if (lu2k_nid_parse(optarg, &o->peer))
				return bad(name, optarg);
			o->have_peer = true;
			break;
		case O_SOCKET:
			o->socket = optarg;
			break;
		case O_CTL:
			o->ctl_socket = optarg;
			break;
		case O_SIZE:
			if (perf_parse_size(optarg, &o->size) || o->size > LU2K_DEF_MAX_PAYLOAD)
				return bad(name, optarg);
			have_size = true;
			break;
		case O_CONC:
			if (parse_u32(optarg, 1, 16384, &o->concurrency))
				return bad(name, optarg);
			have_conc = true;
			break;
		case O_COUNT:
			if (perf_parse_size(optarg, &o->count) || !o->count)
				return bad(name, optarg);
			break;
		case O_TIME:
			if (perf_parse_time(optarg, &o->time_ns) || !o->time_ns)
				return bad(name, optarg);
			break;
		case O_RATE:
			if (perf_parse_rate(optarg, &o->rate_bps)) {
				fprintf(stderr, "lu2k-perf: bad value for --rate: '%s' (%s)\n",
					optarg, LU2K_RATE_SYNTAX);
				return -EINVAL;
			}
			break;
		case O_FPS:
			if (parse_u32(optarg, 1, 10000, &o->fps))
				return bad(name, optarg);
			break;
		case O_DEADLINE:
			if (perf_parse_time(optarg, &o->deadline_ns) || !o->deadline_ns)
				return bad(name, optarg);
			break;
		case O_MSGSIZE:
			if (perf_parse_size(optarg, &o->msg_size) || !o->msg_size ||
			    o->msg_size > LU2K_DEF_MAX_PAYLOAD)
				return bad(name, optarg);
			break;
		case O_TIMEOUT:
			if (perf_parse_time(optarg, &o->timeout_ns) || !o->timeout_ns)
				return bad(name, optarg);
			break;
		case O_ATTACH:
			if (perf_parse_time(optarg, &o->attach_wait_ns))
				return bad(name, optarg);
			break;
		case O_SEED:
			if (perf_parse_size(optarg, &o->seed))
				return bad(name, optarg);
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_PROGRESS:
			o->progress = true;
			break;
		case O_TXPOOL:
			if (parse_u32(optarg, 8, 4096, &o->tx_pool_mb))
				return bad(name, optarg);
			break;
		case O_RXPOOL:
			if (parse_u32(optarg, 8, 4096, &o->rx_pool_mb))
				return bad(name, optarg);
			break;
		case O_PCRED:
			if (parse_u32(optarg, 1, 65536, &o->peer_credits))
				return bad(name, optarg);
			break;
		case O_INTERVAL:
			if (perf_parse_time(optarg, &o->interval_ns) ||
			    o->interval_ns < 10000000ULL)
				return bad(name, optarg);
			break;
		case O_WARMUP:
			if (perf_parse_time(optarg, &o->warmup_ns))
				return bad(name, optarg);
			break;
		case O_LATEOK:
			if (parse_u32(optarg, 0, 100, &o->late_ok_pct))
				return bad(name, optarg);
			break;
		case O_PLOT:
			if (!*optarg)
				return bad(name, optarg);
			o->plot = optarg;
			break;
		case O_CRED:
			if (parse_u32(optarg, 1, 65536, &o->credits))
				return bad(name, optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			perf_usage(stdout);
			return 1;
		default:
			return -EINVAL; /* getopt said why */
		}
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
