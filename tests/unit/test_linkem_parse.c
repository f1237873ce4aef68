// SPDX-License-Identifier: MIT
/*
 * Unit tests of lu2k-linkem's value parsers and command line (no I/O).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>

#include "../t.h"
#include "tools/linkem/linkem_opts.h"
#include "tools/linkem/linkem_parse.h"

#define MS  1000000ull
#define SEC 1000000000ull

static void test_time(void)
{
	uint64_t v = 123;

	T_EQ(linkem_parse_time("300ms", &v), 0);
	T_EQU(v, 300 * MS);
	T_EQ(linkem_parse_time("1.5s", &v), 0);
	T_EQU(v, 1500 * MS);
	T_EQ(linkem_parse_time("250us", &v), 0);
	T_EQU(v, 250000);
	T_EQ(linkem_parse_time("0.1S", &v), 0);
	T_EQU(v, 100 * MS);
	T_EQ(linkem_parse_time("2min", &v), 0);
	T_EQU(v, 120 * SEC);
	T_EQ(linkem_parse_time("0", &v), 0);
	T_EQU(v, 0);
	v = 7;
	T_EQ(linkem_parse_time("300", &v), -EINVAL); /* a unit is required */
	T_EQ(linkem_parse_time("-3ms", &v), -EINVAL);
	T_EQ(linkem_parse_time("3 ms", &v), -EINVAL);
	T_EQ(linkem_parse_time("ms", &v), -EINVAL);
	T_EQ(linkem_parse_time("1e3ms", &v), -EINVAL);
	T_EQ(linkem_parse_time("infms", &v), -EINVAL);
	T_EQ(linkem_parse_time("3msx", &v), -EINVAL);
	T_EQ(linkem_parse_time("", &v), -EINVAL);
	T_EQU(v, 7); /* untouched on error */
}

static void test_rate_size_prob(void)
{
	uint64_t v;
	double p;

	T_EQ(linkem_parse_rate("50mbit", &v), 0);
	T_EQU(v, 50000000);
	T_EQ(linkem_parse_rate("1.5Gbit/s", &v), 0);
	T_EQU(v, 1500000000);
	T_EQ(linkem_parse_rate("800kbit", &v), 0);
	T_EQU(v, 800000);
	T_EQ(linkem_parse_rate("50mbps", &v), -EINVAL); /* tc's bytes: refused */
	T_EQ(linkem_parse_rate("50", &v), -EINVAL);
	T_EQ(linkem_parse_rate("0mbit", &v), -ERANGE);
	T_EQ(linkem_parse_size("1500", &v), 0);
	T_EQU(v, 1500);
	T_EQ(linkem_parse_size("64KiB", &v), 0);
	T_EQU(v, 65536);
	T_EQ(linkem_parse_size("1MB", &v), 0);
	T_EQU(v, 1000000);
	T_EQ(linkem_parse_size("2mib", &v), 0);
	T_EQU(v, 2097152);
	T_EQ(linkem_parse_size("1m", &v), -EINVAL);
	T_EQ(linkem_parse_prob("1%", &p), 0);
	T_ASSERT(fabs(p - 0.01) < 1e-15);
	T_EQ(linkem_parse_prob("0.25", &p), 0);
	T_ASSERT(p == 0.25);
	T_EQ(linkem_parse_prob("100%", &p), 0);
	T_ASSERT(p == 1.0);
	T_EQ(linkem_parse_prob("101%", &p), -ERANGE);
	T_EQ(linkem_parse_prob("2", &p), -ERANGE);
	T_EQ(linkem_parse_prob("1%%", &p), -EINVAL);
	T_EQ(linkem_parse_prob("nan", &p), -EINVAL);
}

static void test_queue_ge_outage(void)
{
	uint64_t b = 1, t = 1;
	struct linkem_ge ge;
	struct linkem_outage o;

	T_EQ(linkem_parse_queue("500ms", &b, &t), 0);
	T_EQU(t, 500 * MS);
	T_EQU(b, 0);
	T_EQ(linkem_parse_queue("1MB", &b, &t), 0);
	T_EQU(b, 1000000);
	T_EQU(t, 0);
	T_EQ(linkem_parse_queue("15000", &b, &t), 0);
	T_EQU(b, 15000);
	T_EQ(linkem_parse_queue("5 apples", &b, &t), -EINVAL);

	T_EQ(linkem_parse_ge("1%,25%", &ge), 0);
	T_ASSERT(ge.on && fabs(ge.p - 0.01) < 1e-15 && ge.r == 0.25);
	T_ASSERT(ge.loss_bad == 1.0 && ge.loss_good == 0.0);
	T_EQ(linkem_parse_ge("0.01,0.3,50%,0.1%", &ge), 0);
	T_ASSERT(ge.loss_bad == 0.5 && fabs(ge.loss_good - 0.001) < 1e-15);
	T_EQ(linkem_parse_ge("1%", &ge), -EINVAL);
	T_EQ(linkem_parse_ge("1%,2%,", &ge), -EINVAL);
	T_EQ(linkem_parse_ge("1%,,2%", &ge), -EINVAL);
	T_EQ(linkem_parse_ge("1%,2%,3%,4%,5%", &ge), -EINVAL);

	T_EQ(linkem_parse_outage("60s+30s", &o), 0);
	T_EQU(o.start_ns, 60 * SEC);
	T_EQU(o.len_ns, 30 * SEC);
	T_EQU(o.period_ns, 0);
	T_EQ(linkem_parse_outage("10s+2s/20s:3", &o), 0);
	T_EQU(o.period_ns, 20 * SEC);
	T_EQ(o.count, 3);
	T_EQ(linkem_parse_outage("0+500ms/1s", &o), 0);
	T_EQ(o.count, 0);
	T_EQ(linkem_parse_outage("10s+2s/1s", &o), -ERANGE);
	T_EQ(linkem_parse_outage("10s", &o), -EINVAL);
	T_EQ(linkem_parse_outage("10s+0", &o), -EINVAL);
	T_EQ(linkem_parse_outage("10s+2s/20s:0", &o), -EINVAL);
	T_EQ(linkem_parse_outage("10s+2s:3", &o), -EINVAL);

	struct linkem_step st = { .start_ns = 7 };

	T_EQ(linkem_parse_step("15s+20s:20mbit", &st), 0);
	T_EQU(st.start_ns, 15 * SEC);
	T_EQU(st.len_ns, 20 * SEC);
	T_EQU(st.rate_bps, 20000000);
	T_EQ(linkem_parse_step("0+1.5s:800kbit", &st), 0);
	T_EQU(st.start_ns, 0);
	T_EQU(st.rate_bps, 800000);
	T_EQ(linkem_parse_step("15s+20s", &st), -EINVAL);
	T_EQ(linkem_parse_step("15s:20mbit", &st), -EINVAL);
	T_EQ(linkem_parse_step("15s+0:20mbit", &st), -EINVAL);
	T_EQ(linkem_parse_step("15s+20s:0bit", &st), -EINVAL);
	T_EQ(linkem_parse_step("15s+20s:fast", &st), -EINVAL);
	T_EQU(st.rate_bps, 800000); /* unchanged by the failures */
}

static int parse(struct linkem_config *cfg, char *err, const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"lu2k-linkem";
	while (*args)
		argv[argc++] = (char *)*args++;
	linkem_config_defaults(cfg);
	err[0] = '\0';
	return linkem_opts_parse(cfg, argc, argv, err, 256);
}

static void test_opts_directions(void)
{
	struct linkem_config c;
	char err[256];
	const char *a1[] = { "--delay",
			     "300ms",
			     "--b2a-delay=20ms",
			     "--loss",
			     "1%",
			     "--a2b-rate",
			     "50mbit",
			     "--outage",
			     "60s+30s",
			     "--b2a-outage",
			     "1s+1s",
			     "--a2b-rate-step",
			     "15s+20s:20mbit",
			     "--seed",
			     "42",
			     "--ns-a",
			     "x1",
			     "--ns-b",
			     "y1",
			     "--reorder",
			     NULL };

	T_EQ(parse(&c, err, a1), 0);
	T_EQU(c.dir[LINKEM_A2B].delay_ns, 300 * MS);
	T_EQU(c.dir[LINKEM_B2A].delay_ns, 20 * MS);
	T_ASSERT(c.dir[0].loss == 0.01 && c.dir[1].loss == 0.01);
	T_EQU(c.dir[0].rate_bps, 50000000);
	T_EQU(c.dir[1].rate_bps, 0);
	T_EQU(c.dir[0].queue_ns, LINKEM_DEFAULT_QUEUE_NS); /* default with a rate */
	T_EQU(c.dir[1].queue_ns, 0);
	T_EQ(c.dir[0].n_outages, 1);
	T_EQ(c.dir[1].n_outages, 2);
	T_EQ(c.dir[0].n_steps, 1);
	T_EQU(c.dir[0].steps[0].rate_bps, 20000000);
	T_EQ(c.dir[1].n_steps, 0);
	T_ASSERT(c.dir[0].reorder && c.dir[1].reorder);
	T_ASSERT(c.seed_set && c.seed == 42);
	T_STREQ(c.ns[0], "x1");
	T_STREQ(c.ns[1], "y1");
	T_EQ(c.dev_mtu, 1500);
	T_ASSERT(c.ipv6 && !c.attach && !c.help);
}

static void test_opts_setup(void)
{
	struct linkem_config c;
	char err[256], a[INET6_ADDRSTRLEN];
	const char *a1[] = { "--ipv4", "10.9.8.0/29", "--ipv6=fd01:2::/120",
			     "--mtu",  "9000",	      "--b2a-mtu",
			     "1400",   "--queue",     "1MB",
			     "--rate", "10mbit",      "--dev-a",
			     "sat0",   "--pid-file",  "/tmp/p",
			     NULL };
	const char *a2[] = { "--no-ipv6", "--mtu", "576", NULL };
	const char *a3[] = { "--no-ipv4", "--ipv6", "fd02::/64", NULL };

	T_EQ(parse(&c, err, a1), 0);
	T_STREQ(inet_ntop(AF_INET, &c.net4, a, sizeof(a)), "10.9.8.0");
	T_EQ(c.plen4, 29);
	T_STREQ(inet_ntop(AF_INET6, &c.net6, a, sizeof(a)), "fd01:2::");
	T_EQ(c.plen6, 120);
	T_EQ(c.dev_mtu, 9000);
	T_EQ(c.dir[1].mtu, 1400);
	T_EQU(c.dir[0].queue_bytes, 1000000);
	T_EQU(c.dir[0].queue_ns, 0); /* given, so no default */
	T_STREQ(c.dev[0], "sat0");
	T_STREQ(c.dev[1], "lkb0");
	T_STREQ(c.pid_file, "/tmp/p");
	T_EQ(parse(&c, err, a2), 0);
	T_EQ(c.dev_mtu, 576);
	T_ASSERT(c.ipv4 && !c.ipv6);
	T_EQ(parse(&c, err, a3), 0); /* IPv6 only */
	T_ASSERT(!c.ipv4 && c.ipv6);
}

/* Every bad command line fails with a message that names the problem. */
static void test_opts_errors(void)
{
	static const struct {
		const char *args[6];
		const char *says;
	} bad[] = {
		{ { "--delay", "300", NULL }, "a time with a unit" },
		{ { "--loss", "5", NULL }, "--loss" },
		{ { "--a2b-rate", "50mbps", NULL }, "--a2b-rate" },
		{ { "--delay", NULL }, "needs a value" },
		{ { "--bogus", NULL }, "unknown option '--bogus'" },
		{ { "--no-ipv4", "--no-ipv6", NULL }, "no address" },
		{ { "--a2b-seed", "3", NULL }, "unknown option" },
		{ { "--reorder=yes", NULL }, "takes no value" },
		{ { "stray", NULL }, "unexpected argument 'stray'" },
		{ { "--ns-a", "a/b", NULL }, "--ns-a" },
		{ { "--ns-a", "same", "--ns-b", "same", NULL }, "must differ" },
		{ { "--attach", "--ns-a", "x", NULL }, "--attach needs" },
		{ { "--ipv4", "10.0.0.1/24", NULL }, "--ipv4" },
		{ { "--ipv4", "10.0.0.0/31", NULL }, "--ipv4" },
		{ { "--mtu", "60", NULL }, "--mtu" },
		{ { "--mtu", "1000", NULL }, "IPv6 needs" },
		{ { "--outage", "10s+5s/3s", NULL }, "period longer" },
		{ { "--rate-step", "10s+5s:20mbit", NULL }, "needs a rate" },
		{ { "--rate", "50mbit", "--rate-step", "10s+5s", NULL }, "--rate-step" },
		{ { "--ge", "1%,120%", NULL }, "--ge" },
		{ { "--dev-b", "abcdefghijklmnop", NULL }, "--dev-b" },
	};
	struct linkem_config c;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&c, err, bad[i].args) != -EINVAL)
			T_FAIL_("case %zu (%s) was accepted", i, bad[i].args[0]);
		if (!strstr(err, bad[i].says))
			T_FAIL_("case %zu: '%s' does not say '%s'", i, err, bad[i].says);
	}
}

static void test_opts_help(void)
{
	struct linkem_config c;
	char err[256];
	const char *a1[] = { "--help", NULL }, *a2[] = { "-h", "--attach", NULL };

	T_EQ(parse(&c, err, a1), 0);
	T_ASSERT(c.help);
	T_EQ(parse(&c, err, a2), 0); /* help wins over checks */
	T_ASSERT(c.help);
}

int main(void)
{
	T_RUN(test_time);
	T_RUN(test_rate_size_prob);
	T_RUN(test_queue_ge_outage);
	T_RUN(test_opts_directions);
	T_RUN(test_opts_setup);
	T_RUN(test_opts_errors);
	T_RUN(test_opts_help);
	return t_done();
}
