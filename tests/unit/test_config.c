/* SPDX-License-Identifier: MIT */
/* Unit tests of lu2kd's settings (daemon/config.c), good and bad input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "common/log.h"
#include "../t.h"
#include "common/num.h"

static char err[512];

static int parse(struct lu2kd_config *c, const char *text)
{
	lu2kd_config_defaults(c);
	err[0] = 0;
	return lu2kd_config_parse(c, "test.conf", text, err, sizeof(err));
}

static void test_defaults(void)
{
	struct lu2kd_config c;

	lu2kd_config_defaults(&c);
	T_EQ(c.port, 7988);
	T_STREQ(c.backend, "tcp");
	T_STREQ(c.channel_socket, "/run/lu2k/lu2kd.sock");
	T_EQ(c.reconnect_min_ms, 100);
	T_EQ(c.reconnect_max_ms, 10000);
	T_EQ(c.log_level, LU2K_LOG_INFO);
	T_EQ(lu2kd_config_check(&c, err, sizeof(err)), 0);
}

static void test_good_file(void)
{
	struct lu2kd_config c;

	T_EQ(parse(&c, "# lu2kd\n"
		       "port = 9000   # trailing comment\n"
		       "\n"
		       "   channel_socket=/tmp/x.sock\n"
		       "log_level = debug\r\n"
		       "device = /dev/lu2k\n"
		       "device = /dev/lu2k1\n"
		       "reconnect_max_ms = 2000\n"
		       "log = syslog\n"
		       "[lu2kd]\n"
		       "batch = 064\n" /* base 10: sixty-four */
		       "[tcp]\n"
		       "sndbuf = 4M\n"
		       "[backend]\n"
		       "rcvbuf = 8388608"),
	     0);
	T_EQ(c.port, 9000);
	T_STREQ(c.channel_socket, "/tmp/x.sock");
	T_EQ(c.log_level, LU2K_LOG_DEBUG);
	T_EQ(c.ndevices, 2);
	T_STREQ(c.devices[1], "/dev/lu2k1");
	T_EQ(c.reconnect_max_ms, 2000);
	T_ASSERT(c.syslog);
	T_EQ(c.batch, 64);
	T_EQ(c.nbe_opts, 2);
	T_STREQ(c.be_opts[0].section, "tcp");
	T_STREQ(c.be_opts[0].key, "sndbuf");
	T_STREQ(c.be_opts[0].value, "4M");
	T_STREQ(c.be_opts[0].where, "test.conf:13");
	T_STREQ(c.be_opts[1].section, "backend");
}

/* Each bad input fails with FILE:LINE (and the key where there is one). */
static void bad(const char *text, const char *want)
{
	struct lu2kd_config c;

	T_ASSERT(parse(&c, text) < 0);
	if (!strstr(err, want))
		T_FAIL_("error '%s' does not contain '%s'", err, want);
}

static void test_bad_input(void)
{
	bad("port = 0\n", "test.conf:1: key 'port': bad value '0': out of range; expected a port "
			  "number 1..65535");
	bad("port = 1K\n", "bad value '1K': not a number; expected a port number 1..65535");
	bad("reconnect_max_ms = 2h\n", "out of range; expected milliseconds 1..3600000");
	bad("peer_idle_timeout_ms = 5x\n", "not a duration; expected milliseconds 0..86400000 "
					   "(0: never)");
	bad("accept = some\n", "key 'accept': bad value 'some': expected one of strict, any");
	bad("\nport = 65536\n", "test.conf:2: key 'port'");
	bad("port = 12ab\n", "key 'port'");
	bad("port = -1\n", "key 'port'");
	bad("port =\n", "test.conf:1: key 'port': empty value");
	bad("prot = 1\n", "test.conf:1: unknown key 'prot'");
	bad("just words\n", "test.conf:1: expected 'key = value'");
	bad("= 5\n", "bad key name");
	bad("[tcp\n", "bad section header");
	bad("[]\n", "bad section name");
	bad("[a b]\n", "bad section name");
	bad("log_level = loud\n", "one of error, warn, info, debug");
	bad("log = file\n", "stderr or syslog");
	bad("syslog = maybe\n", "yes or no");
	bad("reconnect_min_ms = 0\n", "reconnect_min_ms");
	bad("batch = 99999999999999999999999\n", "key 'batch'");
	bad("channel_socket = "
	    "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    "shorter than 108");
	bad("port = 1\x01\n", "control character");
	bad("device=a\ndevice=a\ndevice=a\ndevice=a\ndevice=a\ndevice=a\ndevice=a\ndevice=a\n"
	    "device=a\n",
	    "test.conf:9: key 'device'");
}

static void test_long_line(void)
{
	struct lu2kd_config c;
	char text[1200];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	T_ASSERT(parse(&c, text) < 0);
	T_ASSERT(strstr(err, "test.conf:1: line too long") != NULL);
}

static void test_check(void)
{
	struct lu2kd_config c;

	T_EQ(parse(&c, "reconnect_min_ms = 5000\nreconnect_max_ms = 100\n"), 0);
	T_ASSERT(lu2kd_config_check(&c, err, sizeof(err)) < 0);
	T_ASSERT(strstr(err, "reconnect_min_ms") != NULL);
}

/* What lu2kctl config prints for the defaults: its keys, order, values and live flags. */
static void test_show_defaults(void)
{
	static const char *const want[] = {
		"backend=tcp",
		"port=7988",
		"channel_socket=/run/lu2k/lu2kd.sock",
		"ctl_socket=/run/lu2k/lu2kd.ctl",
		"pid_file=",
		"device=",
		"log_level=info live",
		"syslog=no",
		"reconnect_min_ms=100 live",
		"reconnect_max_ms=10000 live",
		"connect_timeout_ms=10000 live",
		"max_channels=16 live",
		"batch=256 live",
		"socket_group= live",
		"max_peers=65536 live",
		"peer_idle_timeout_ms=600000 live",
		"accept=strict live",
		"multipath=off",
		"path=",
		"multipath_addr=",
		"multipath_discover=on",
	};
	struct lu2kd_config c;
	char v[LU2KD_SHOW_MAX], line[LU2KD_SHOW_MAX + 64];
	const char *key;
	unsigned int i;
	bool live;

	lu2kd_config_defaults(&c);
	for (i = 0; !lu2kd_config_key_at(&c, i, &key, v, sizeof(v), &live); i++) {
		snprintf(line, sizeof(line), "%s=%s%s", key, v, live ? " live" : "");
		T_ASSERT(i < sizeof(want) / sizeof(want[0]));
		T_STREQ(line, want[i]);
	}
	T_EQ(i, sizeof(want) / sizeof(want[0]));
	/* durations may carry a unit; they are shown in the key's */
	T_EQ(parse(&c, "reconnect_max_ms = 30s\npeer_idle_timeout_ms = 10m\nsyslog = on\n"
		       "accept = any\nmultipath = yes\n"),
	     0);
	T_EQ(c.reconnect_max_ms, 30000);
	T_EQ(c.peer_idle_timeout_ms, 600000);
	T_ASSERT(c.syslog && c.multipath);
	T_EQ(c.accept, LU2KD_ACCEPT_ANY);
	T_EQ(lu2kd_config_key_at(&c, 9, &key, v, sizeof(v), &live), 0);
	T_STREQ(key, "reconnect_max_ms");
	T_STREQ(v, "30000");
}

static void test_sizes(void)
{
	uint64_t v;

	T_EQ(lu2k_num_parse_u64("4K", UINT64_MAX, &v), 0);
	T_EQU(v, 4096);
	T_EQ(lu2k_num_parse_u64("2g", UINT64_MAX, &v), 0);
	T_EQU(v, 2ull << 30);
	T_EQ(lu2k_num_parse_u64("1M", 1000, &v), -EINVAL);
	T_EQ(lu2k_num_parse_u64("", 1000, &v), -EINVAL);
	T_EQ(lu2k_num_parse_u64(" 1", 1000, &v), -EINVAL);
	T_EQ(lu2k_num_parse_u64("1KB", 100000, &v), -EINVAL);
	T_EQ(lu2k_num_parse_u64("18446744073709551615K", UINT64_MAX, &v), -EINVAL);
}

/*
 * Numbers are decimal, whatever they start with: in base 0 "port = 010" was
 * 8, and "0x10" was accepted as 16.
 */
static void test_base10(void)
{
	struct lu2kd_config c;
	uint64_t v;

	T_EQ(lu2k_num_parse_u64("010", UINT64_MAX, &v), 0);
	T_EQU(v, 10);
	T_EQ(lu2k_num_parse_u64("08", UINT64_MAX, &v), 0); /* not octal: no error either */
	T_EQU(v, 8);
	T_EQ(lu2k_num_parse_u64("0010K", UINT64_MAX, &v), 0);
	T_EQU(v, 10240);
	T_EQ(lu2k_num_parse_u64("0", UINT64_MAX, &v), 0);
	T_EQU(v, 0);
	T_EQ(lu2k_num_parse_u64("0x10", UINT64_MAX, &v), -EINVAL);
	T_EQ(lu2k_num_parse_u64("0X10", UINT64_MAX, &v), -EINVAL);
	T_EQ(lu2k_num_parse_u64("1e3", UINT64_MAX, &v), -EINVAL);
	T_EQ(parse(&c, "port = 010\n"), 0);
	T_EQ(c.port, 10);
	bad("port = 0x1F90\n", "test.conf:1: key 'port': bad value '0x1F90'");
	/* The command line goes through the same setter. */
	lu2kd_config_defaults(&c);
	T_EQ(lu2kd_config_set(&c, "", "port", "07988", "command line", err, sizeof(err)), 0);
	T_EQ(c.port, 7988);
}

/* socket_group: a group that exists (root always does), or FILE:LINE. */
static void test_socket_group(void)
{
	struct lu2kd_config c;

	lu2kd_config_defaults(&c);
	T_ASSERT(!c.socket_group_set);
	T_EQ(parse(&c, "socket_group = root\n"), 0);
	T_ASSERT(c.socket_group_set);
	T_EQ(c.socket_gid, 0);
	T_STREQ(c.socket_group, "root");
	bad("\nsocket_group = no-such-group-lu2k\n",
	    "test.conf:2: key 'socket_group': bad value 'no-such-group-lu2k': no such group; "
	    "expected the name of an existing group");
}

static void test_load_file(void)
{
	struct lu2kd_config c;
	char path[] = "/tmp/lu2k_test_config_XXXXXX";
	int fd = mkstemp(path);

	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "port = 7\nnope = 1\n", 18), 18);
	close(fd);
	lu2kd_config_defaults(&c);
	T_EQ(lu2kd_config_load(&c, path, err, sizeof(err)), -EINVAL);
	unlink(path);
	T_ASSERT(strstr(err, ":2: unknown key 'nope'") != NULL);
	T_EQ(c.port, 7);
	T_EQ(lu2kd_config_load(&c, "/nonexistent/lu2kd.conf", err, sizeof(err)), -ENOENT);
	T_ASSERT(strstr(err, "/nonexistent/lu2kd.conf: cannot open") != NULL);
}

/* SIGHUP's view: what differs, and whether it can change in a running daemon. */
static void test_diff(void)
{
	static struct lu2kd_config a, b;
	static struct lu2kd_config_change ch[8];
	const char *key;
	char v[LU2KD_SHOW_MAX];
	bool live;
	unsigned int n, i;

	T_EQ(parse(&a, "port = 9000\nlog_level = info\ndevice = /dev/lu2k\n"
		       "[udt]\nmss = 1400\ncc = lossy\n"),
	     0);
	T_EQ(lu2kd_config_diff(&a, &a, ch, 8), 0);
	T_EQ(parse(&b, "port = 9001\nlog_level = debug\ndevice = /dev/lu2k\n"
		       "device = /dev/lu2k1\n[udt]\nmss = 1200\nmax_conns = 10\n"),
	     0);
	n = lu2kd_config_diff(&a, &b, ch, 8);
	T_EQ(n, 6);
	T_STREQ(ch[0].key, "port");
	T_STREQ(ch[0].old, "9000");
	T_STREQ(ch[0].new, "9001");
	T_ASSERT(!ch[0].live);
	T_STREQ(ch[1].key, "device");
	T_STREQ(ch[1].new, "/dev/lu2k /dev/lu2k1");
	T_ASSERT(!ch[1].live);
	T_STREQ(ch[2].key, "log_level");
	T_STREQ(ch[2].new, "debug");
	T_ASSERT(ch[2].live);
	T_STREQ(ch[3].key, "[udt] mss"); /* a value changed */
	T_STREQ(ch[3].old, "1400");
	T_STREQ(ch[3].new, "1200");
	T_STREQ(ch[4].key, "[udt] cc"); /* dropped */
	T_STREQ(ch[4].new, "");
	T_STREQ(ch[5].key, "[udt] max_conns"); /* added */
	T_STREQ(ch[5].old, "");
	T_ASSERT(!ch[3].live && !ch[4].live && !ch[5].live);
	/* More changes than room: the count is still right. */
	T_EQ(lu2kd_config_diff(&a, &b, ch, 2), 6);
	/* Every key has a name and a value, and the list ends. */
	for (i = 0; !lu2kd_config_key_at(&b, i, &key, v, sizeof(v), &live); i++)
		T_ASSERT(key && *key);
	T_EQ(i, 21);
}

/* multipath: off by default; path lines checked word by word. */
static void test_paths(void)
{
	struct lu2kd_config c;

	lu2kd_config_defaults(&c);
	T_EQ(c.multipath, 0);
	T_EQ(c.npaths, 0);
	T_EQ(parse(&c, "multipath = on\n"
		       "path = 10.1.0.2@lu2k 10.2.0.1 10.2.0.2\n"
		       "path = 10.1.0.2@lu2k 10.3.0.1 10.3.0.2   # a third\n"
		       "path = [fd00::2]@lu2k3 fd01::1 fd01::2\n"),
	     0);
	T_EQ(c.multipath, 1);
	T_EQ(c.npaths, 3);
	T_EQ(c.paths[0].remote.addr[1], 2);
	T_EQ(c.paths[1].local.addr[1], 3);
	T_EQ(c.paths[2].remote.size, 12);
	T_EQ(c.paths[2].local.num, c.paths[2].peer.num);
	T_ASSERT(c.paths[2].peer.num != 0);
	T_EQ(parse(&c, "path = 10.1.0.2@lu2k 10.2.0.1\n"), -EINVAL);
	T_ASSERT(strstr(err, "test.conf:1: key 'path'") && strstr(err, "three words"));
	T_EQ(parse(&c, "path = 10.1.0.2 10.2.0.1 10.2.0.2\n"), -EINVAL);
	T_ASSERT(strstr(err, "not a NID"));
	T_EQ(parse(&c, "path = 10.1.0.2@lu2k 10.2.0.1 nowhere\n"), -EINVAL);
	T_ASSERT(strstr(err, "'nowhere' is not an IPv4 or IPv6 address"));
	T_EQ(parse(&c, "path = 10.1.0.2@lu2k 10.2.0.1 10.2.0.2@lu2k\n"), -EINVAL);
	T_EQ(parse(&c, "path = 10.1.0.2@lu2k 10.2.0.1 fd01::2\n"), -EINVAL);
	T_ASSERT(strstr(err, "different address families"));
	T_EQ(parse(&c, "path = 10.1.0.2@lu2k 10.2.0.1 10.1.0.2\n"), -EINVAL);
	T_ASSERT(strstr(err, "first path"));
	T_EQ(parse(&c, "path = 10.1.0.2@lu2k 10.2.0.1 10.2.0.2\n"
		       "path = 10.1.0.2@lu2k 10.4.0.1 10.2.0.2\n"),
	     -EINVAL);
	T_ASSERT(strstr(err, "test.conf:2:") && strstr(err, "a second path"));
	T_EQ(parse(&c, "multipath = maybe\n"), -EINVAL);
	T_ASSERT(strstr(err, "on or off"));
	/* at most LU2KD_MAX_PATHS */
	{
		char text[8192] = "";
		size_t n = 0;

		for (int i = 0; i <= LU2KD_MAX_PATHS; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "path = 10.1.0.2@lu2k 10.9.%d.1 10.9.%d.2\n", i, i);
		T_EQ(parse(&c, text), -EINVAL);
		T_ASSERT(strstr(err, "too many paths"));
		T_EQ(c.npaths, LU2KD_MAX_PATHS);
	}
}

/* A key set twice in one section: a warning naming both lines, the last value kept. */
static void test_duplicates(void)
{
	struct lu2kd_config c;

	T_EQ(parse(&c, "port = 7000\ndevice = /dev/a\ndevice = /dev/b\nport = 7001\n"
		       "[udt]\nmss = 1400\n[tcp]\nbody_timeout_ms = 9\n[udt]\nmss = 1200\n"
		       "[lu2kd]\nport = 7002\n"),
	     0);
	T_EQ(c.port, 7002);
	T_EQ(c.ndevices, 2); /* device is repeatable: no warning */
	T_EQ(c.nwarnings, 3);
	T_ASSERT(strstr(c.warnings[0], "test.conf:4: key 'port' set again (first at line 1)"));
	T_ASSERT(strstr(c.warnings[1],
			"test.conf:10: key 'mss' in [udt] set again (first at line 6)"));
	/* [lu2kd] is the daemon's section, the same as no section */
	T_ASSERT(strstr(c.warnings[2], "test.conf:12: key 'port' set again (first at line 4)"));
	T_EQ(parse(&c, "port = 7000\n"), 0);
	T_EQ(c.nwarnings, 0);
}

/* multipath discovery: our other addresses, each once; off turns it off */
static void test_mp_addrs(void)
{
	struct lu2kd_config c;
	char v[LU2KD_SHOW_MAX];
	const char *key;
	bool live;

	T_EQ(parse(&c, "multipath_addr = 10.78.0.1\nmultipath_addr = fd78:17::1\n"
		       "multipath_discover = off\n"),
	     0);
	T_EQ(c.nmp_addrs, 2);
	T_ASSERT(!c.mp_discover);
	T_EQ(lu2kd_config_key_at(&c, 19, &key, v, sizeof(v), &live), 0);
	T_STREQ(key, "multipath_addr");
	T_STREQ(v, "10.78.0.1 fd78:17::1");
	T_ASSERT(parse(&c, "multipath_addr = 10.78.0.1\nmultipath_addr = 10.78.0.1\n") !=
		 0);						    /* twice */
	T_ASSERT(parse(&c, "multipath_addr = 10.78.0.300\n") != 0); /* not an address */
}

int main(void)
{
	T_RUN(test_defaults);
	T_RUN(test_base10);
	T_RUN(test_socket_group);
	T_RUN(test_good_file);
	T_RUN(test_bad_input);
	T_RUN(test_long_line);
	T_RUN(test_check);
	T_RUN(test_show_defaults);
	T_RUN(test_sizes);
	T_RUN(test_load_file);
	T_RUN(test_diff);
	T_RUN(test_duplicates);
	T_RUN(test_paths);
	T_RUN(test_mp_addrs);
	return t_done();
}
