/* SPDX-License-Identifier: MIT */
/* common/opt.c: parsing into a struct from a table, its messages, help and getopt arrays. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/opt.h"
#include "../t.h"

struct s {
	uint16_t port;
	int sndbuf;
	uint64_t timeout_ns;
	uint32_t idle_ms;
	bool on;
	int flag;
	char name[8];
	int mode;
	uint32_t lo_dep, dep; /* dep's lower bound is lo_dep */
	unsigned int nfunc;
};

static const char *const modes[] = { "fast", "slow", NULL };

static void dep_range(const void *obj, uint64_t *lo, uint64_t *hi)
{
	(void)hi;
	*lo = ((const struct s *)obj)->lo_dep;
}

static int parse_func(const struct lu2k_opt *o, void *obj, const char *v, char *why, size_t n)
{
	(void)o;
	if (strcmp(v, "ok")) {
		snprintf(why, n, "not ok");
		return -EINVAL;
	}
	((struct s *)obj)->nfunc++;
	return 0;
}

static void show_func(const struct lu2k_opt *o, const void *obj, char *buf, size_t n)
{
	(void)o;
	snprintf(buf, n, "ok x%u", ((const struct s *)obj)->nfunc);
}

#define S	   struct s
#define LU2K_NO_ON 11 /* tbl's --no-on */
static const struct lu2k_opt tbl[] = {
	{ .key = "port",
	  .lopt = "port",
	  .sopt = 'p',
	  .arg = "N",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(S, port),
	  .min = 1,
	  .max = 65535,
	  .what = "a port number",
	  .help = "the port" },
	{ .key = "sndbuf",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(S, sndbuf),
	  .max = 1u << 30,
	  .flags = LU2K_OPT_F_SIZE,
	  .help = "buffer" },
	{ .key = "timeout_ms",
	  .type = LU2K_OPT_MS,
	  LU2K_OPT_AT(S, timeout_ns),
	  .min = 100,
	  .max = 3600000,
	  .scale = 1000000,
	  .help = "timeout" },
	{ .key = "idle_ms",
	  .type = LU2K_OPT_MS,
	  LU2K_OPT_AT(S, idle_ms),
	  .min = 50,
	  .max = 1000,
	  .zero = "never",
	  .help = "idle" },
	{ .key = "on",
	  .type = LU2K_OPT_BOOL,
	  LU2K_OPT_AT(S, on),
	  .names = lu2k_opt_off_on,
	  .help = "switch" },
	{ .lopt = "flag",
	  .sopt = 'f',
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(S, flag),
	  .help = "a flag" },
	{ .key = "name",
	  .lopt = "name",
	  .arg = "NAME",
	  .type = LU2K_OPT_STR,
	  LU2K_OPT_AT(S, name),
	  .dflt = "none",
	  .help = "a name" },
	{ .key = "mode",
	  .type = LU2K_OPT_ENUM,
	  LU2K_OPT_AT(S, mode),
	  .names = modes,
	  .help = "the mode" },
	{ .key = "dep",
	  .type = LU2K_OPT_UINT,
	  LU2K_OPT_AT(S, dep),
	  .max = 100,
	  .range = dep_range,
	  .help = "dependent" },
	{ .key = "func",
	  .lopt = "func",
	  .arg = "X",
	  .type = LU2K_OPT_FUNC,
	  .parse = parse_func,
	  .show = show_func,
	  .what = "ok",
	  .help = "special" },
	{ .key = "long",
	  .lopt = "long",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(S, flag),
	  .help = "a help text long enough that it has to be wrapped at a space to stay within "
		  "eighty columns of a terminal" },
	{ .lopt = "no-on",
	  .type = LU2K_OPT_FLAG,
	  LU2K_OPT_AT(S, on),
	  .flags = LU2K_OPT_F_CLEAR,
	  .help = "switch off" },
	LU2K_OPT_END,
};

static char err[256];

static int set(struct s *o, const char *k, const char *v)
{
	err[0] = 0;
	return lu2k_opt_set_key(tbl, "test", o, k, v, "f.conf:3", err, sizeof(err));
}

static void bad(struct s *o, const char *k, const char *v, const char *want)
{
	struct s before = *o;

	T_EQ(set(o, k, v), -EINVAL);
	T_STREQ(err, want);
	T_MEMEQ(o, &before, sizeof(before)); /* a refused value changes nothing */
}

static void show(const struct s *o, const char *k, const char *want)
{
	char v[64];

	lu2k_opt_show(lu2k_opt_find(tbl, k), o, v, sizeof(v));
	T_STREQ(v, want);
}

static void test_values(void)
{
	struct s o = { .lo_dep = 10 };

	T_EQ(set(&o, "port", "0080"), 0);
	T_EQ(o.port, 80);
	T_EQ(set(&o, "sndbuf", "4M"), 0);
	T_EQ(o.sndbuf, 4 << 20);
	show(&o, "sndbuf", "4M");
	T_EQ(set(&o, "timeout_ms", "10s"), 0);
	T_EQU(o.timeout_ns, 10000000000ull);
	show(&o, "timeout_ms", "10000");
	T_EQ(set(&o, "timeout_ms", "250"), 0);
	T_EQU(o.timeout_ns, 250000000ull);
	T_EQ(set(&o, "idle_ms", "0"), 0); /* below min, but 0 means never */
	T_EQ(o.idle_ms, 0);
	T_EQ(set(&o, "idle_ms", "1s"), 0);
	T_EQ(o.idle_ms, 1000);
	T_EQ(set(&o, "on", "yes"), 0);
	T_ASSERT(o.on);
	show(&o, "on", "on");
	T_EQ(set(&o, "on", "0"), 0);
	T_ASSERT(!o.on);
	o.on = true;
	T_EQ(lu2k_opt_set(&tbl[LU2K_NO_ON], &o, "", NULL, err, sizeof(err)), 0);
	T_ASSERT(!o.on);
	T_EQ(set(&o, "name", "abcdefg"), 0);
	T_STREQ(o.name, "abcdefg");
	T_EQ(set(&o, "mode", "slow"), 0);
	T_EQ(o.mode, 1);
	show(&o, "mode", "slow");
	T_EQ(set(&o, "dep", "10"), 0);
	T_EQ(set(&o, "func", "ok"), 0);
	T_EQ(set(&o, "func", "ok"), 0);
	show(&o, "func", "ok x2");
}

static void test_errors(void)
{
	struct s o = { .lo_dep = 10 };

	bad(&o, "port", "0",
	    "f.conf:3: key 'port': bad value '0': out of range; expected a port number 1..65535");
	bad(&o, "port", "1K",
	    "f.conf:3: key 'port': bad value '1K': not a number; expected a port number 1..65535");
	bad(&o, "port", "-1",
	    "f.conf:3: key 'port': bad value '-1': not a number; expected a "
	    "port number 1..65535");
	bad(&o, "port", "99999999999999999999999",
	    "f.conf:3: key 'port': bad value "
	    "'99999999999999999999999': too large; "
	    "expected a port number 1..65535");
	bad(&o, "sndbuf", "2G",
	    "f.conf:3: key 'sndbuf': bad value '2G': out of range; expected a "
	    "size 0..1G (K, M, G: KiB, MiB, GiB)");
	bad(&o, "sndbuf", "4MB",
	    "f.conf:3: key 'sndbuf': bad value '4MB': not a size; expected a "
	    "size 0..1G (K, M, G: KiB, MiB, GiB)");
	bad(&o, "timeout_ms", "2h",
	    "f.conf:3: key 'timeout_ms': bad value '2h': out of range; "
	    "expected milliseconds 100..3600000 (or with ms, s, m, h)");
	bad(&o, "timeout_ms", "5 s",
	    "f.conf:3: key 'timeout_ms': bad value '5 s': not a "
	    "duration; expected milliseconds 100..3600000 (or with ms, "
	    "s, m, h)");
	bad(&o, "idle_ms", "10",
	    "f.conf:3: key 'idle_ms': bad value '10': out of range; expected "
	    "milliseconds 50..1000 or 0 (never) (or with ms, s, m, h)");
	bad(&o, "on", "maybe", "f.conf:3: key 'on': bad value 'maybe': expected on or off");
	bad(&o, "name", "",
	    "f.conf:3: key 'name': bad value '': empty; expected a string shorter "
	    "than 8 bytes");
	bad(&o, "name", "abcdefgh",
	    "f.conf:3: key 'name': bad value 'abcdefgh': too long; "
	    "expected a string shorter than 8 bytes");
	bad(&o, "mode", "FAST",
	    "f.conf:3: key 'mode': bad value 'FAST': expected one of fast, slow");
	bad(&o, "dep", "9",
	    "f.conf:3: key 'dep': bad value '9': out of range; expected a number "
	    "10..100");
	bad(&o, "func", "no", "f.conf:3: key 'func': bad value 'no': not ok; expected ok");
	/* on the command line: the option as given, or --LOPT */
	T_EQ(lu2k_opt_set(lu2k_opt_find(tbl, "port"), &o, "0", "--a2b-port", err, sizeof(err)),
	     -EINVAL);
	T_STREQ(err, "--a2b-port: bad value '0': out of range; expected a port number 1..65535");
	T_EQ(lu2k_opt_set(lu2k_opt_find(tbl, "port"), &o, "x", NULL, err, sizeof(err)), -EINVAL);
	T_STREQ(err, "--port: bad value 'x': not a number; expected a port number 1..65535");
	/* a key given through an option (lu2kd -o KEY=VALUE) keeps its name */
	T_EQ(lu2k_opt_set(lu2k_opt_find(tbl, "port"), &o, "0", "-o", err, sizeof(err)), -EINVAL);
	T_STREQ(err,
		"-o: key 'port': bad value '0': out of range; expected a port number 1..65535");
	T_EQ(set(&o, "nope", "1"), -ENOENT);
	T_STREQ(err, "f.conf:3: unknown test key 'nope'");
	T_EQ(set(&o, "flag", "1"), -ENOENT); /* command line only */
}

static void test_help(void)
{
	struct s d = { .port = 7988, .sndbuf = 16 << 20 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	T_ASSERT(f != NULL);
	lu2k_opt_help(f, tbl, &d);
	fprintf(f, "--\n");
	lu2k_opt_help_keys(f, tbl, &d, "  ");
	fprintf(f, "--\n");
	lu2k_opt_markdown(f, tbl, &d);
	fclose(f);
	T_ASSERT(strstr(buf, "  -p, --port N               the port [7988]\n"));
	T_ASSERT(strstr(buf, "  -f, --flag                 a flag\n"));
	T_ASSERT(strstr(buf, "      --name NAME            a name [none]\n"));
	T_ASSERT(strstr(buf, "  sndbuf                 buffer [16M]\n"));
	T_ASSERT(!strstr(buf, "  flag ")); /* not a config key */
	T_ASSERT(strstr(buf, "| `port` | 7988 | the port (a port number 1..65535) |\n"));
	T_ASSERT(strstr(buf, "| `mode` | fast | the mode (one of fast, slow) |\n"));
	/* --help wraps at 80 columns, under the text's column */
	T_ASSERT(strstr(buf,
			"      --long                 a help text long enough that it has to be "
			"wrapped\n                             at a space to stay within eighty "
			"columns of a\n                             terminal\n"));
	for (char *l = strtok(buf, "\n"); l && l[0] != '|'; l = strtok(NULL, "\n"))
		T_ASSERT(strlen(l) <= 80);
	free(buf);
}

static void test_getopt(void)
{
	static const struct lu2k_opt more[] = {
		{ .lopt = "help", .sopt = 'h', .type = LU2K_OPT_FLAG, .help = "help" },
		{ .lopt = "check", .type = LU2K_OPT_FLAG, .help = "check" },
		LU2K_OPT_END,
	};
	const struct lu2k_opt *const tables[] = { tbl, more, NULL };
	struct option lo[16];
	char so[16];
	char *argv[] = { "prog", "-p", "9", "--name=x", "--check", "--func", "ok", "-h", NULL };
	int c, n = 0;

	T_EQ(lu2k_opt_getopt(tables, lo, 3, so, sizeof(so)), -ENOSPC);
	T_EQ(lu2k_opt_getopt(tables, lo, 16, so, sizeof(so)), 0);
	T_STREQ(so, "p:fh");
	optind = 0;
	while ((c = getopt_long(8, argv, so, lo, NULL)) != -1) {
		const struct lu2k_opt *o = lu2k_opt_by_val(tables, c);

		T_ASSERT(o != NULL);
		switch (n++) {
		case 0:
			T_STREQ(o->key, "port");
			T_STREQ(optarg, "9");
			break;
		case 1:
			T_STREQ(o->key, "name");
			T_STREQ(optarg, "x");
			break;
		case 2:
			T_STREQ(o->lopt, "check");
			break;
		case 3:
			T_STREQ(o->key, "func");
			break;
		case 4:
			T_STREQ(o->lopt, "help");
			break;
		}
	}
	T_EQ(n, 5);
	T_ASSERT(lu2k_opt_by_val(tables, 'z') == NULL);
}

int main(void)
{
	T_RUN(test_values);
	T_RUN(test_errors);
	T_RUN(test_help);
	T_RUN(test_getopt);
	return t_done();
}
