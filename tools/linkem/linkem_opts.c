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

#include "common/opt.h"
#include "linkem_opts.h"
#include "linkem_parse.h"

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

#define LP struct linkem_params
#define LC struct linkem_config

/* One parser per kind of value; the entry says where it goes (o->off). */
static int opt_time(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	(void)why;
	(void)n;
	return linkem_parse_time(v, (uint64_t *)((char *)obj + o->off));
}

static int opt_rate(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	(void)why;
	(void)n;
	return linkem_parse_rate(v, (uint64_t *)((char *)obj + o->off));
}

static int opt_loss(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	(void)o;
	(void)why;
	(void)n;
	return linkem_parse_prob(v, &((LP *)obj)->loss);
}

static int opt_ge(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	(void)o;
	(void)why;
	(void)n;
	return linkem_parse_ge(v, &((LP *)obj)->ge);
}

static int opt_queue(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	LP *p = obj;

	(void)o;
	(void)why;
	(void)n;
	return linkem_parse_queue(v, &p->queue_bytes, &p->queue_ns);
}

static int opt_outage(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	LP *p = obj;
	int rc;

	(void)o;
	rc = p->n_outages == LINKEM_MAX_OUTAGES ? -ERANGE
						: linkem_parse_outage(v, &p->outages[p->n_outages]);
	if (rc == -ERANGE)
		snprintf(why, n, "at most %d outages, each with a period longer than the outage",
			 LINKEM_MAX_OUTAGES);
	if (rc)
		return -EINVAL;
	p->n_outages++;
	return 0;
}

static int opt_step(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	LP *p = obj;

	(void)o;
	if (p->n_steps == LINKEM_MAX_STEPS) {
		snprintf(why, n, "at most %d rate steps", LINKEM_MAX_STEPS);
		return -EINVAL;
	}
	if (linkem_parse_step(v, &p->steps[p->n_steps]))
		return -EINVAL;
	p->n_steps++;
	return 0;
}

/* --ns-a, --dev-b...: a name into the field */
static int opt_name(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (!name_ok(v, o->size))
		return -EINVAL;
	strcpy((char *)obj + o->off, v);
	return 0;
}

static int opt_ipv4(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	LC *cfg = obj;

	(void)o;
	(void)why;
	(void)n;
	return parse_prefix(v, AF_INET, &cfg->net4, &cfg->plen4);
}

static int opt_ipv6(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	LC *cfg = obj;

	(void)o;
	(void)why;
	(void)n;
	if (parse_prefix(v, AF_INET6, &cfg->net6, &cfg->plen6))
		return -EINVAL;
	cfg->ipv6 = true;
	return 0;
}

static int opt_seed(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	LC *cfg = obj;

	(void)o;
	(void)why;
	(void)n;
	if (linkem_parse_uint(v, UINT64_MAX, &cfg->seed))
		return -EINVAL;
	cfg->seed_set = true;
	return 0;
}

#define TIME_WHAT "a time with a unit, e.g. 300ms"
#define FUNC(fn)  .type = LU2K_OPT_FUNC, .parse = (fn)

enum { L_QUEUE = 6 }; /* its index below: --queue also says it was given */

/* Link options: into one direction's struct linkem_params, or both. */
static const struct lu2k_opt link_opts[] = {
	{ .lopt = "delay",
	  .arg = "T",
	  FUNC(opt_time),
	  LU2K_OPT_AT(LP, delay_ns),
	  .what = TIME_WHAT,
	  .help = "one-way delay (300ms, 1.5s, 250us)" },
	{ .lopt = "jitter",
	  .arg = "T",
	  FUNC(opt_time),
	  LU2K_OPT_AT(LP, jitter_ns),
	  .what = "a time with a unit, e.g. 5ms",
	  .help = "delay drawn uniformly in delay +- T" },
	{ .lopt = "reorder",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(LP, reorder),
	  .help = "let jitter reorder packets (default: keep order)" },
	{ .lopt = "loss",
	  .arg = "P",
	  FUNC(opt_loss),
	  .what = "a percentage like 1% or a probability like 0.01",
	  .help = "random loss (1%, 0.5%, or 0.01 as a probability)" },
	{ .lopt = "ge",
	  .arg = "p,r[,lb[,lg]]",
	  FUNC(opt_ge),
	  .what = "p,r[,loss_bad[,loss_good]], e.g. 1%,25%,100%,0%",
	  .help = "Gilbert-Elliott loss: p = P(good->bad), r = P(bad->good) per packet; lb, lg "
		  "= loss in bad (default 100%) and good (default 0%) state; netem's p r 1-h "
		  "1-k" },
	{ .lopt = "rate",
	  .arg = "R",
	  FUNC(opt_rate),
	  LU2K_OPT_AT(LP, rate_bps),
	  .what = "a rate like 50mbit, 800kbit, 1gbit",
	  .help = "serialization rate (50mbit, 800kbit, 1gbit)" },
	[L_QUEUE] = { .lopt = "queue",
		      .arg = "T|SIZE",
		      FUNC(opt_queue),
		      .what = "a time like 500ms or a size like 1MB, 64KiB, 15000",
		      .dflt = "100ms with --rate",
		      .help = "drop-tail queue before the wire: longest wait (500ms) or bytes "
			      "waiting (1MB, 64KiB)" },
	{ .lopt = "overhead",
	  .arg = "N",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(LP, overhead),
	  .max = 65536,
	  .what = "a byte count",
	  .help = "bytes added to each packet's wire time" },
	{ .lopt = "mtu",
	  .arg = "N",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(LP, mtu),
	  .min = 68,
	  .max = 65535,
	  .what = "a byte count",
	  .help = "drop larger packets" },
	{ .lopt = "outage",
	  .arg = "S+L[/P[:N]]",
	  FUNC(opt_outage),
	  .what = "START+LEN[/PERIOD[:COUNT]], e.g. 60s+30s or 10s+2s/20s:3",
	  .help = "link down for L from time S, every P, N times (60s+30s, 10s+2s/20s:3); times "
		  "count from start-up; repeatable" },
	{ .lopt = "rate-step",
	  .arg = "S+L:R",
	  FUNC(opt_step),
	  .what = "START+LEN:RATE, e.g. 15s+20s:20mbit",
	  .help = "the rate is R for L from time S (a modem's adaptive coding in a rain fade: "
		  "15s+20s:20mbit); needs --rate; times count from start-up; repeatable" },
	LU2K_OPT_END,
};

#define NS_WHAT	 "a name of letters, digits, '-', '_' or '.' (at most 39)"
#define DEV_WHAT "an interface name of at most 15 characters"

static const struct lu2k_opt setup_opts[] = {
	{ .lopt = "ns-a",
	  .arg = "NAME",
	  FUNC(opt_name),
	  LU2K_OPT_AT(LC, ns[0]),
	  .what = NS_WHAT,
	  .dflt = "lk<pid>a",
	  .help = "namespace of side A" },
	{ .lopt = "ns-b",
	  .arg = "NAME",
	  FUNC(opt_name),
	  LU2K_OPT_AT(LC, ns[1]),
	  .what = NS_WHAT,
	  .dflt = "lk<pid>b",
	  .help = "namespace of side B" },
	{ .lopt = "attach",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(LC, attach),
	  .help = "use existing namespaces (keep them at exit)" },
	{ .lopt = "dev-a",
	  .arg = "D",
	  FUNC(opt_name),
	  LU2K_OPT_AT(LC, dev[0]),
	  .what = DEV_WHAT,
	  .dflt = "lka0",
	  .help = "TUN device of side A" },
	{ .lopt = "dev-b",
	  .arg = "D",
	  FUNC(opt_name),
	  LU2K_OPT_AT(LC, dev[1]),
	  .what = DEV_WHAT,
	  .dflt = "lkb0",
	  .help = "TUN device of side B" },
	{ .lopt = "ipv4",
	  .arg = "NET/LEN",
	  FUNC(opt_ipv4),
	  .what = "an IPv4 prefix of length 8..30, e.g. 10.77.0.0/24",
	  .dflt = "10.77.0.0/24",
	  .help = "A gets .1, B gets .2" },
	{ .lopt = "ipv6",
	  .arg = "NET/LEN",
	  FUNC(opt_ipv6),
	  .what = "an IPv6 prefix of length 16..126, e.g. fd00:77::/64",
	  .dflt = "fd00:77::/64",
	  .help = "A gets ::1, B gets ::2" },
	{ .lopt = "no-ipv6",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(LC, ipv6),
	  .flags = LU2K_OPT_F_CLEAR,
	  .help = "no IPv6 addresses" },
	{ .lopt = "no-ipv4",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(LC, ipv4),
	  .flags = LU2K_OPT_F_CLEAR,
	  .help = "no IPv4 addresses (an IPv6-only link)" },
	{ .lopt = "dev-mtu",
	  .arg = "N",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(LC, dev_mtu),
	  .min = 68,
	  .max = 65535,
	  .what = "a byte count",
	  .dflt = "the larger --mtu",
	  .help = "MTU of the TUN devices" },
	{ .lopt = "txqueuelen",
	  .arg = "N",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(LC, txqueuelen),
	  .min = 1,
	  .max = 1000000,
	  .what = "a packet count",
	  .help = "TUN queue length" },
	{ .lopt = "rt-prio",
	  .arg = "N",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(LC, rt_prio),
	  .min = 1,
	  .max = 99,
	  .what = "a real-time priority",
	  .dflt = "",
	  .help = "run as SCHED_FIFO priority N, so that a busy machine does not delay packets" },
	{ .lopt = "seed",
	  .arg = "N",
	  FUNC(opt_seed),
	  .what = "an unsigned decimal integer",
	  .dflt = "random, printed at start-up",
	  .help = "seed of the loss and jitter draws" },
	LU2K_OPT_END,
};

enum { S_HELP = 6, S_VERSION };

static const struct lu2k_opt script_opts[] = {
	{ .lopt = "pid-file",
	  .arg = "F",
	  .type = LU2K_OPT_PTR,
	  LU2K_OPT_AT(LC, pid_file),
	  .min = 1,
	  .what = "a path",
	  .help = "write the pid here" },
	{ .lopt = "ready-file",
	  .arg = "F",
	  .type = LU2K_OPT_PTR,
	  LU2K_OPT_AT(LC, ready_file),
	  .min = 1,
	  .what = "a path",
	  .help = "create F once the link carries traffic (removed at exit)" },
	{ .lopt = "stats-file",
	  .arg = "F",
	  .type = LU2K_OPT_PTR,
	  LU2K_OPT_AT(LC, stats_file),
	  .min = 1,
	  .what = "a path",
	  .help = "write counters here on exit, SIGUSR1 and each interval" },
	{ .lopt = "stats-interval",
	  .arg = "T",
	  FUNC(opt_time),
	  LU2K_OPT_AT(LC, stats_interval_ns),
	  .what = "a time with a unit, e.g. 1s",
	  .help = "also print counters every T" },
	{ .lopt = "quiet",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(LC, quiet),
	  .help = "print counters only to --stats-file" },
	{ .lopt = "die-with-parent",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(LC, die_with_parent),
	  .help = "stop and clean up when the parent process dies" },
	[S_HELP] = { .lopt = "help",
		     .sopt = 'h',
		     .type = LU2K_OPT_FLAG,
		     LU2K_OPT_AT(LC, help),
		     .help = "this text" },
	[S_VERSION] = { .lopt = "version",
			.sopt = 'V',
			.type = LU2K_OPT_FLAG,
			LU2K_OPT_AT(LC, version),
			.help = "print the version" },
	LU2K_OPT_END,
};

/* --NAME[=VALUE] in one of the tables, or NULL */
static const struct lu2k_opt *find_opt(const struct lu2k_opt *t, const char *name, size_t n)
{
	for (; !lu2k_opt_is_end(t); t++)
		if (strlen(t->lopt) == n && !strncmp(t->lopt, name, n))
			return t;
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
		const struct lu2k_opt *o, *g;
		char shown[48];
		int dir = -1;
		size_t n;

		if (!strcmp(arg, "-h") || !strcmp(arg, "-V")) {
			*(arg[1] == 'h' ? &cfg->help : &cfg->version) = true;
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
		o = find_opt(link_opts, name, n);
		g = o || dir >= 0 ? NULL : find_opt(setup_opts, name, n);
		if (!o && !g && dir < 0)
			g = find_opt(script_opts, name, n);
		if (!o && !g)
			return fail(err, errlen, "unknown option '%s' (see --help)", arg);
		if ((o ? o : g)->type != LU2K_OPT_FLAG) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return fail(err, errlen, "%.*s needs a value: %s",
					    (int)(name - arg + n), arg, (o ? o : g)->what);
		} else if (eq) {
			return fail(err, errlen, "%.*s takes no value", (int)(name - arg + n), arg);
		}
		snprintf(shown, sizeof(shown), "%.*s", (int)(name - arg + n), arg);
		if (g) {
			if (lu2k_opt_set(g, cfg, val ? val : "", shown, err, errlen))
				return -EINVAL;
			continue;
		}
		for (int d = 0; d < 2; d++) {
			if (dir >= 0 && dir != d)
				continue;
			if (lu2k_opt_set(o, &cfg->dir[d], val ? val : "", shown, err, errlen))
				return -EINVAL;
			if (o == &link_opts[L_QUEUE])
				cfg->queue_set[d] = true;
		}
	}
	if (cfg->help)
		return 0;
	return finish(cfg, err, errlen);
}

void linkem_opts_usage(FILE *f)
{
	struct linkem_config d;

	linkem_config_defaults(&d);
	fputs("usage: lu2k-linkem [OPTION]...\n"
	      "Joins two network namespaces A and B by a TUN device in each and forwards IP\n"
	      "packets between them through an emulated link. Runs until SIGINT, SIGTERM or\n"
	      "SIGHUP, then prints its counters and removes what it created.\n"
	      "\n"
	      "Link options apply to both directions; prefix a2b- or b2a- for one direction\n"
	      "(--a2b-delay 300ms). They apply in the order given (later wins).\n",
	      f);
	lu2k_opt_help(f, link_opts, &d.dir[0]);
	fputs("\nSetup:\n", f);
	lu2k_opt_help(f, setup_opts, &d);
	fputs("\nScripting:\n", f);
	lu2k_opt_help(f, script_opts, &d);
	fputs("\n"
	      "Counters, one line per direction (stdout, and the stats file):\n"
	      "  a2b in=N in_bytes=N lost=N drop_queue=N drop_mtu=N drop_outage=N drop_mem=N\n"
	      "      delivered=N delivered_bytes=N held=N max_wait_us=N write_err=N\n"
	      "      late_avg_us=X late_max_us=X late_1ms=N t_s=X\n"
	      "  late_*: how late packets left the delay line (the emulator's own\n"
	      "  scheduling error); t_s: seconds since start-up\n"
	      "Exit status: 0 after SIGINT/SIGTERM, 1 on a runtime error, 2 on bad usage.\n",
	      f);
}
