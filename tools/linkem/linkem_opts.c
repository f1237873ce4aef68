// SPDX-License-Identifier: MIT
/*
 * linkem_opts.c - lu2k-linkem's command line.
 *
 * Link options apply to both directions, or to one with an a2b- or b2a-
 * prefix (--a2b-delay 300ms); options are applied in the order given, so
 * "--delay 10ms --b2a-delay 20ms" gives 10 ms one way and 20 ms back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "linkem_opts.h"
#include "linkem_parse.h"

enum opt_id {
	O_DELAY,
	O_JITTER,
	O_REORDER,
	O_LOSS,
	O_GE,
	O_RATE,
	O_QUEUE,
	O_OVERHEAD,
	O_MTU,
	O_OUTAGE,
	/* global options from here on */
	O_NS_A,
	O_NS_B,
	O_ATTACH,
	O_DEV_A,
	O_DEV_B,
	O_IPV4,
	O_IPV6,
	O_NO_IPV6,
	O_NO_IPV4,
	O_DEV_MTU,
	O_TXQ,
	O_RT_PRIO,
	O_SEED,
	O_PID_FILE,
	O_READY_FILE,
	O_STATS_FILE,
	O_STATS_INTERVAL,
	O_QUIET,
	O_DIE_WITH_PARENT,
	O_HELP,
	O_VERSION,
};

struct opt {
	const char *name;
	enum opt_id id;
	bool has_arg;
	const char *hint; /* what a good value looks like */
};

static const struct opt opts[] = {
	{ "delay", O_DELAY, true, "a time with a unit, e.g. 300ms" },
	{ "jitter", O_JITTER, true, "a time with a unit, e.g. 5ms" },
	{ "reorder", O_REORDER, false, NULL },
	{ "loss", O_LOSS, true, "a percentage like 1% or a probability like 0.01" },
	{ "ge", O_GE, true, "p,r[,loss_bad[,loss_good]], e.g. 1%,25%,100%,0%" },
	{ "rate", O_RATE, true, "a rate like 50mbit, 800kbit, 1gbit" },
	{ "queue", O_QUEUE, true, "a time like 500ms or a size like 1MB, 64KiB, 15000" },
	{ "overhead", O_OVERHEAD, true, "a byte count 0..65536" },
	{ "mtu", O_MTU, true, "a byte count 68..65535" },
	{ "outage", O_OUTAGE, true, "START+LEN[/PERIOD[:COUNT]], e.g. 60s+30s or 10s+2s/20s:3" },
	{ "ns-a", O_NS_A, true, "a name of letters, digits, '-', '_' or '.' (at most 39)" },
	{ "ns-b", O_NS_B, true, "a name of letters, digits, '-', '_' or '.' (at most 39)" },
	{ "attach", O_ATTACH, false, NULL },
	{ "dev-a", O_DEV_A, true, "an interface name of at most 15 characters" },
	{ "dev-b", O_DEV_B, true, "an interface name of at most 15 characters" },
	{ "ipv4", O_IPV4, true, "an IPv4 prefix of length 8..30, e.g. 10.77.0.0/24" },
	{ "ipv6", O_IPV6, true, "an IPv6 prefix of length 16..126, e.g. fd00:77::/64" },
	{ "no-ipv6", O_NO_IPV6, false, NULL },
	{ "no-ipv4", O_NO_IPV4, false, NULL },
	{ "dev-mtu", O_DEV_MTU, true, "a byte count 68..65535" },
	{ "txqueuelen", O_TXQ, true, "a packet count 1..1000000" },
	{ "rt-prio", O_RT_PRIO, true, "a real-time priority 1..99" },
	{ "seed", O_SEED, true, "an unsigned decimal integer" },
	{ "pid-file", O_PID_FILE, true, "a path" },
	{ "ready-file", O_READY_FILE, true, "a path" },
	{ "stats-file", O_STATS_FILE, true, "a path" },
	{ "stats-interval", O_STATS_INTERVAL, true, "a time with a unit, e.g. 1s" },
	{ "quiet", O_QUIET, false, NULL },
	{ "die-with-parent", O_DIE_WITH_PARENT, false, NULL },
	{ "help", O_HELP, false, NULL },
	{ "version", O_VERSION, false, NULL },
};

void linkem_config_defaults(struct linkem_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < 2; i++)
		cfg->dir[i].mtu = 1500;
	strcpy(cfg->dev[0], "lka0");
	strcpy(cfg->dev[1], "lkb0");
	inet_pton(AF_INET, "10.77.0.0", &cfg->net4);
	cfg->plen4 = 24;
	cfg->ipv6 = true;
	cfg->ipv4 = true;
	inet_pton(AF_INET6, "fd00:77::", &cfg->net6);
	cfg->plen6 = 64;
	cfg->txqueuelen = 10000;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n >= max || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
			    *s))
			return false;
	return true;
}

/* "ADDR/LEN" into addr (network address: host bits must be zero) and len */
static int parse_prefix(const char *s, int af, void *addr, unsigned int *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned int lo = af == AF_INET ? 8 : 16, hi = af == AF_INET ? 30 : 126;
	uint64_t len;
	uint8_t *b = addr;

	if (!slash || (size_t)(slash - s) >= sizeof(buf) - 1)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (inet_pton(af, buf, addr) != 1 || linkem_parse_uint(slash + 1, hi, &len) || len < lo)
		return -EINVAL;
	/* side A is net+1, side B net+2: the host part must be free for them */
	for (unsigned int bit = (unsigned int)len; bit < (af == AF_INET ? 32u : 128u); bit++)
		if (b[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;
	*plen = (unsigned int)len;
	return 0;
}

static int apply_link(struct linkem_config *cfg, struct linkem_params *p, int dir, enum opt_id id,
		      const char *v)
{
	uint64_t u;

	switch (id) {
	case O_DELAY:
		return linkem_parse_time(v, &p->delay_ns);
	case O_JITTER:
		return linkem_parse_time(v, &p->jitter_ns);
	case O_REORDER:
		p->reorder = true;
		return 0;
	case O_LOSS:
		return linkem_parse_prob(v, &p->loss);
	case O_GE:
		return linkem_parse_ge(v, &p->ge);
	case O_RATE:
		return linkem_parse_rate(v, &p->rate_bps);
	case O_QUEUE:
		cfg->queue_set[dir] = true;
		return linkem_parse_queue(v, &p->queue_bytes, &p->queue_ns);
	case O_OVERHEAD:
		if (linkem_parse_uint(v, 65536, &u))
			return -EINVAL;
		p->overhead = (uint32_t)u;
		return 0;
	case O_MTU:
		if (linkem_parse_uint(v, 65535, &u) || u < 68)
			return -EINVAL;
		p->mtu = (uint32_t)u;
		return 0;
	case O_OUTAGE:
		if (p->n_outages == LINKEM_MAX_OUTAGES)
			return -ERANGE;
		return linkem_parse_outage(v, &p->outages[p->n_outages++]);
	default:
		return -EINVAL;
	}
}

static int apply_global(struct linkem_config *cfg, enum opt_id id, const char *v)
{
	uint64_t u;

	switch (id) {
	case O_NS_A:
	case O_NS_B:
		if (!name_ok(v, LINKEM_NS_NAME_MAX))
			return -EINVAL;
		strcpy(cfg->ns[id == O_NS_B], v);
		return 0;
	case O_DEV_A:
	case O_DEV_B:
		if (!name_ok(v, LINKEM_DEV_NAME_MAX))
			return -EINVAL;
		strcpy(cfg->dev[id == O_DEV_B], v);
		return 0;
	case O_ATTACH:
		cfg->attach = true;
		return 0;
	case O_IPV4:
		return parse_prefix(v, AF_INET, &cfg->net4, &cfg->plen4);
	case O_IPV6:
		cfg->ipv6 = true;
		return parse_prefix(v, AF_INET6, &cfg->net6, &cfg->plen6);
	case O_NO_IPV6:
		cfg->ipv6 = false;
		return 0;
	case O_NO_IPV4:
		cfg->ipv4 = false;
		return 0;
	case O_DEV_MTU:
		if (linkem_parse_uint(v, 65535, &u) || u < 68)
			return -EINVAL;
		cfg->dev_mtu = (uint32_t)u;
		return 0;
	case O_TXQ:
		if (linkem_parse_uint(v, 1000000, &u) || !u)
			return -EINVAL;
		cfg->txqueuelen = (uint32_t)u;
		return 0;
	case O_RT_PRIO:
		if (linkem_parse_uint(v, 99, &u) || !u)
			return -EINVAL;
		cfg->rt_prio = (unsigned int)u;
		return 0;
	case O_SEED:
		cfg->seed_set = true;
		return linkem_parse_uint(v, UINT64_MAX, &cfg->seed);
	case O_PID_FILE:
		cfg->pid_file = v;
		return *v ? 0 : -EINVAL;
	case O_READY_FILE:
		cfg->ready_file = v;
		return *v ? 0 : -EINVAL;
	case O_STATS_FILE:
		cfg->stats_file = v;
		return *v ? 0 : -EINVAL;
	case O_STATS_INTERVAL:
		return linkem_parse_time(v, &cfg->stats_interval_ns);
	case O_QUIET:
		cfg->quiet = true;
		return 0;
	case O_DIE_WITH_PARENT:
		cfg->die_with_parent = true;
		return 0;
	case O_HELP:
		cfg->help = true;
		return 0;
	case O_VERSION:
		cfg->version = true;
		return 0;
	default:
		return -EINVAL;
	}
}

static const struct opt *find_opt(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strlen(opts[i].name) == n && !strncmp(opts[i].name, name, n))
			return &opts[i];
	return NULL;
}

/* Settles what depends on several options; checks the result. */
static int finish(struct linkem_config *cfg, char *err, size_t errlen)
{
	static const char *const names[2] = { "a2b", "b2a" };

	if (cfg->ns[0][0] && cfg->ns[1][0] && !strcmp(cfg->ns[0], cfg->ns[1]))
		return fail(err, errlen, "--ns-a and --ns-b must differ");
	if (cfg->attach && (!cfg->ns[0][0] || !cfg->ns[1][0]))
		return fail(err, errlen, "--attach needs --ns-a and --ns-b");
	for (int i = 0; i < 2; i++) {
		struct linkem_params *p = &cfg->dir[i];
		const char *why;

		if (p->rate_bps && !cfg->queue_set[i])
			p->queue_ns = LINKEM_DEFAULT_QUEUE_NS;
		if (linkem_params_check(p, &why))
			return fail(err, errlen, "%s: %s", names[i], why);
	}
	if (!cfg->dev_mtu) {
		uint32_t a = cfg->dir[0].mtu, b = cfg->dir[1].mtu;

		cfg->dev_mtu = a > b ? a : b;
		if (!cfg->dev_mtu)
			cfg->dev_mtu = 1500;
	}
	if (!cfg->ipv4 && !cfg->ipv6)
		return fail(err, errlen, "--no-ipv4 and --no-ipv6: the link would have no address");
	if (cfg->ipv6 && cfg->dev_mtu < 1280)
		return fail(err, errlen, "IPv6 needs an MTU of at least 1280 (or give --no-ipv6)");
	return 0;
}

int linkem_opts_parse(struct linkem_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		const struct opt *o;
		int dir = -1, rc;
		size_t n;

		if (!strcmp(arg, "-h")) {
			cfg->help = true;
			continue;
		}
		if (!strcmp(arg, "-V")) {
			cfg->version = true;
			continue;
		}
		if (strncmp(arg, "--", 2) || !arg[2])
			return fail(err, errlen, "unexpected argument '%s' (see --help)", arg);
		name = arg + 2;
		if (!strncmp(name, "a2b-", 4) || !strncmp(name, "b2a-", 4)) {
			dir = name[0] == 'a' ? LINKEM_A2B : LINKEM_B2A;
			name += 4;
		}
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		o = find_opt(name, n);
		if (!o || (dir >= 0 && o->id > O_OUTAGE))
			return fail(err, errlen, "unknown option '%s' (see --help)", arg);
		if (o->has_arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return fail(err, errlen, "--%s needs a value: %s", o->name,
					    o->hint);
		} else if (eq) {
			return fail(err, errlen, "--%s takes no value", o->name);
		}
		if (o->id <= O_OUTAGE) {
			rc = 0;
			for (int d = 0; d < 2 && !rc; d++)
				if (dir < 0 || dir == d)
					rc = apply_link(cfg, &cfg->dir[d], d, o->id, val);
		} else {
			rc = apply_global(cfg, o->id, val);
		}
		if (rc) {
			char shown[48];

			snprintf(shown, sizeof(shown), "--%s%s",
				 dir < 0	     ? ""
				 : dir == LINKEM_A2B ? "a2b-"
						     : "b2a-",
				 o->name);
			if (rc == -ERANGE && o->id == O_OUTAGE)
				return fail(err, errlen,
					    "%s '%s': at most %d outages, each with a "
					    "period longer than the outage",
					    shown, val, LINKEM_MAX_OUTAGES);
			return fail(err, errlen, "bad value '%s' for %s: expected %s", val, shown,
				    o->hint);
		}
	}
	if (cfg->help)
		return 0;
	return finish(cfg, err, errlen);
}

void linkem_opts_usage(FILE *f)
{
	fputs("usage: lu2k-linkem [OPTION]...\n"
	      "Joins two network namespaces A and B by a TUN device in each and forwards IP\n"
	      "packets between them through an emulated link. Runs until SIGINT, SIGTERM or\n"
	      "SIGHUP, then prints its counters and removes what it created.\n"
	      "\n"
	      "Link options apply to both directions; prefix a2b- or b2a- for one direction\n"
	      "(--a2b-delay 300ms). They apply in the order given (later wins).\n"
	      "  --delay T            one-way delay (300ms, 1.5s, 250us)\n"
	      "  --jitter T           delay drawn uniformly in delay +- T\n"
	      "  --reorder            let jitter reorder packets (default: keep order)\n"
	      "  --loss P             random loss (1%, 0.5%, or 0.01 as a probability)\n"
	      "  --ge p,r[,lb[,lg]]   Gilbert-Elliott loss: p = P(good->bad), r = P(bad->good)\n"
	      "                       per packet; lb, lg = loss in bad (default 100%) and\n"
	      "                       good (default 0%) state; netem's p r 1-h 1-k\n"
	      "  --rate R             serialization rate (50mbit, 800kbit, 1gbit)\n"
	      "  --queue T|SIZE       drop-tail queue before the wire: longest wait (500ms) or\n"
	      "                       bytes waiting (1MB, 64KiB); default 100ms with --rate\n"
	      "  --overhead N         bytes added to each packet's wire time (default 0)\n"
	      "  --mtu N              drop larger packets (default 1500)\n"
	      "  --outage S+L[/P[:N]] link down for L from time S, every P, N times\n"
	      "                       (60s+30s, 10s+2s/20s:3); times count from start-up;\n"
	      "                       repeatable\n"
	      "\n"
	      "Setup:\n"
	      "  --ns-a NAME, --ns-b NAME  namespace names (default lk<pid>a, lk<pid>b)\n"
	      "  --attach             use existing namespaces (keep them at exit)\n"
	      "  --dev-a D, --dev-b D TUN device names (default lka0, lkb0)\n"
	      "  --ipv4 NET/LEN       A gets .1, B gets .2 (default 10.77.0.0/24)\n"
	      "  --ipv6 NET/LEN       A gets ::1, B gets ::2 (default fd00:77::/64)\n"
	      "  --no-ipv6            no IPv6 addresses\n"
	      "  --no-ipv4            no IPv4 addresses (an IPv6-only link)\n"
	      "  --dev-mtu N          MTU of the TUN devices (default: the larger --mtu)\n"
	      "  --txqueuelen N       TUN queue length (default 10000)\n"
	      "  --rt-prio N          run as SCHED_FIFO priority N (1..99), so that a busy\n"
	      "                       machine does not delay packets\n"
	      "  --seed N             seed of the loss and jitter draws (default: random,\n"
	      "                       printed at start-up)\n"
	      "\n"
	      "Scripting:\n"
	      "  --pid-file F         write the pid here\n"
	      "  --ready-file F       create F once the link carries traffic (removed at exit)\n"
	      "  --stats-file F       write counters here on exit, SIGUSR1 and each interval\n"
	      "  --stats-interval T   also print counters every T\n"
	      "  --quiet              print counters only to --stats-file\n"
	      "  --die-with-parent    stop and clean up when the parent process dies\n"
	      "  -h, --help           this text\n"
	      "  -V, --version        print the version\n"
	      "\n"
	      "Counters, one line per direction (stdout, and the stats file):\n"
	      "  a2b in=N in_bytes=N lost=N drop_queue=N drop_mtu=N drop_outage=N drop_mem=N\n"
	      "      delivered=N delivered_bytes=N held=N max_wait_us=N write_err=N\n"
	      "      late_avg_us=X late_max_us=X late_1ms=N t_s=X\n"
	      "  late_*: how late packets left the delay line (the emulator's own\n"
	      "  scheduling error); t_s: seconds since start-up\n"
	      "Exit status: 0 after SIGINT/SIGTERM, 1 on a runtime error, 2 on bad usage.\n",
	      f);
}
