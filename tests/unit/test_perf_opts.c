/* SPDX-License-Identifier: MIT */
/* lu2k-perf command line: sizes, times, rates, and the checks on the whole line. */
#include <errno.h>

#include "tools/perf/perf.h"
#include "../t.h"

static int parse(struct perf_opts *o, const char *line)
{
	static char buf[512];
	char *argv[40];
	int argc = 0;

	snprintf(buf, sizeof(buf), "lu2k-perf %s", line);
	for (char *t = strtok(buf, " "); t && argc < 39; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return perf_parse_args(argc, argv, o);
}

static void test_units(void)
{
	uint64_t v;

	T_EQ(perf_parse_size("4096", &v), 0);
	T_EQU(v, 4096);
	T_EQ(perf_parse_size("64K", &v), 0);
	T_EQU(v, 65536);
	T_EQ(perf_parse_size("1M", &v), 0);
	T_EQU(v, 1 << 20);
	T_EQ(perf_parse_size("4MiB", &v), 0);
	T_EQU(v, 4 << 20);
	T_EQ(perf_parse_size("1X", &v), -EINVAL);
	T_EQ(perf_parse_size("-1", &v), -EINVAL);
	T_EQ(perf_parse_size("", &v), -EINVAL);
	T_EQ(perf_parse_time("10s", &v), 0);
	T_EQU(v, 10000000000ULL);
	T_EQ(perf_parse_time("200ms", &v), 0);
	T_EQU(v, 200000000);
	T_EQ(perf_parse_time("1.5", &v), 0);
	T_EQU(v, 1500000000);
	T_EQ(perf_parse_time("2m", &v), 0);
	T_EQU(v, 120000000000ULL);
	T_EQ(perf_parse_time("5 s", &v), -EINVAL);
	T_EQ(perf_parse_time("nan", &v), -EINVAL);
	T_EQ(perf_parse_rate("20mbit", &v), 0);
	T_EQU(v, 20000000);
	T_EQ(perf_parse_rate("1Gbit", &v), 0);
	T_EQU(v, 1000000000);
	T_EQ(perf_parse_rate("500kbit", &v), 0);
	T_EQU(v, 500000);
	T_EQ(perf_parse_rate("0", &v), -EINVAL);
	T_EQ(perf_parse_rate("20mbyte", &v), -EINVAL);
	/* one syntax with lu2k-linkem: a unit of bits, required */
	T_EQ(perf_parse_rate("1.5gbit/s", &v), 0);
	T_EQU(v, 1500000000);
	T_EQ(perf_parse_rate("1000", &v), -EINVAL);
	T_EQ(perf_parse_rate("30M", &v), -EINVAL);
	T_EQ(perf_parse_rate("20mbps", &v), -EINVAL);
}

static void test_lines(void)
{
	struct perf_opts o;

	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --socket /s --peer 10.0.0.2@lu2k bulk "
		       "--size 64K --concurrency 4 --count 100 --json"),
	     0);
	T_EQ(o.mode, PERF_BULK);
	T_EQU(o.size, 65536);
	T_EQ(o.concurrency, 4);
	T_EQU(o.count, 100);
	T_EQU(o.time_ns, 0);
	T_ASSERT(o.json);
	T_STREQ(o.socket, "/s");
	T_ASSERT(!o.ctl_socket); /* derived from --socket later */
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k --ctl-socket /c bulk"), 0);
	T_STREQ(o.ctl_socket, "/c");
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k ping"), 0);
	T_EQU(o.size, 64);
	T_EQ(o.concurrency, 1);
	T_EQU(o.time_ns, 10000000000ULL);
	T_EQ(parse(&o, "client ping --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k --time 2s"), 0);
	T_EQU(o.time_ns, 2000000000ULL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k stream --rate 20mbit "
		       "--fps 25 --deadline 200ms"),
	     0);
	T_EQ(o.mode, PERF_STREAM);
	T_EQU(o.rate_bps / 8 / o.fps, 100000);
	T_EQU(o.warmup_ns, 1000000000ULL); /* the defaults */
	T_EQU(o.interval_ns, 1000000000ULL);
	T_EQ(o.late_ok_pct, 0);
	T_ASSERT(!o.plot);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k stream --warmup 0 "
		       "--late-ok 5 --interval 250ms --plot /tmp/x.png"),
	     0);
	T_EQU(o.warmup_ns, 0);
	T_EQ(o.late_ok_pct, 5);
	T_EQU(o.interval_ns, 250000000ULL);
	T_STREQ(o.plot, "/tmp/x.png");
	T_EQ(parse(&o, "server --nid 10.0.0.2@lu2k --time 3s"), 0);
	T_ASSERT(o.server);
	/* refused */
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k bulk"), -EINVAL); /* no --peer */
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k"), -EINVAL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k dance"), -EINVAL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@tcp --peer 10.0.0.2@lu2k bulk"), -EINVAL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k bulk --size 5M"), -EINVAL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k bulk --concurrency 0"),
	     -EINVAL);
	T_EQ(parse(&o, "server --nid 10.0.0.2@lu2k extra"), -EINVAL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k bulk --interval 5ms"),
	     -EINVAL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k stream --late-ok 101"),
	     -EINVAL);
	T_EQ(parse(&o, "client --nid 10.0.0.1@lu2k --peer 10.0.0.2@lu2k stream --warmup x"),
	     -EINVAL);
	T_EQ(parse(&o, "serve --nid 10.0.0.2@lu2k"), -EINVAL);
	T_EQ(parse(&o, "--help"), 1);
}

int main(void)
{
	T_RUN(test_units);
	T_RUN(test_lines);
	return t_done();
}
