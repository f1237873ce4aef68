/* SPDX-License-Identifier: MIT */
/*
 * lu2kctl - show what a running lu2kd is doing: peers, connections, messages
 * in flight, statistics, status. YAML by default (like lnetctl), JSON with
 * --json. It sends one request line on lu2kd's control socket and renders the
 * JSON answer (see daemon/ctl.c for the protocol).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "jsonv.h"
#include "lu2k/version.h"
#include "metrics.h"
#include "rates.h"
#include "ping.h"
#include "req.h"
#include "verbose.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lu2kctl [--socket PATH] [--json] [--nid NID] [--watch SECS] COMMAND\n"
		"Show the state of a running lu2kd.\n"
		"\n"
		"Commands:\n"
		"  status   the daemon and its attached interfaces (channels)\n"
		"  peers    peers: NID, state, connections, messages queued/in flight, bytes, "
		"errors\n"
		"  conns    connections, both directions, with the back-end's view of each\n"
		"  msgs     messages in flight (up to 10000)\n"
		"  stats    daemon, channel and back-end counters\n"
		"  metrics  all of the above as Prometheus text-format metrics\n"
		"  config   the settings lu2kd runs with, where they came from, and those\n"
		"           changed on disk that wait for a restart (after SIGHUP)\n"
		"  ping NID can this node reach the lu2kd behind NID? Connects now (from the\n"
		"           interface on NID's network) and waits for the far lu2kd to\n"
		"           answer; exit 0 if it did within --timeout\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH    lu2kd's control socket [%s, or $LU2K_CTL_SOCKET]\n"
		"  -j, --json           print JSON instead of YAML\n"
		"  -n, --nid NID        status, peers, conns, msgs: only the entries that name "
		"NID\n"
		"                       (exit 1 if none does)\n"
		"  -w, --watch SECS     print again every SECS seconds until interrupted, each\n"
		"                       counter with its rate (KEY_per_s) from the second round\n"
		"  -o, --output FILE    metrics: write FILE atomically (node-exporter's textfile\n"
		"                       collector), instead of printing them\n"
		"      --listen ADDR    metrics: serve them at http://ADDR/metrics until killed\n"
		"                       (HOST:PORT, [V6]:PORT, or PORT on 127.0.0.1)\n"
		"  -t, --timeout SECS   ping: how long to wait for an answer [10]\n"
		"  -v                   peers, conns: every field (as --verbose 2)\n"
		"      --verbose N      peers, conns: 0 who and in which state, 1 (the\n"
		"                       default) also health, traffic, errors, rtt and\n"
		"                       rate, 2 everything; --json is always complete\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n",
		CTL_DEFAULT_SOCKET);
}

static bool is_scalar(const struct jv *v)
{
	return v->type != JV_OBJ && v->type != JV_ARR;
}

/*
 * Would a YAML reader take this plain scalar for something other than a
 * string? YAML 1.1 (PyYAML, many tools) reads yes/no/on/off/y/n as booleans,
 * 1:20 as a base-60 number and 0x1F as hex; 1.2 reads true/false/null and
 * numbers. Quoting more than needed is harmless; quoting less changes data
 * (an IPv6 address, a state named "off").
 */
static bool yaml_needs_quotes(const char *s)
{
	static const char *const words[] = { "y",    "n",     "yes",   "no",   "on",
					     "off",  "true",  "false", "null", "~",
					     ".inf", "-.inf", "+.inf", ".nan" };
	size_t len = strlen(s);
	bool digit = false, numeric = true;

	if (!len || strchr(" -?:,[]{}#&*!|>'\"%@`", s[0]) || s[len - 1] == ' ' || strchr(s, ':') ||
	    strstr(s, " #"))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	for (const char *c = s; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == '"' || *c == '\\')
			return true;
		digit |= *c >= '0' && *c <= '9';
		if (!strchr("0123456789_.+-eExXoObBabcdefABCDEF", *c))
			numeric = false;
	}
	return digit && numeric;
}

static void yaml_scalar(const struct jv *v)
{
	const char *s = v->text ? v->text : "null";

	if (v->type != JV_STR || !yaml_needs_quotes(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if ((unsigned char)*c < 0x20)
			printf("\\x%02x", (unsigned char)*c);
		else
			putchar(*c);
	}
	putchar('"');
}

static void yaml_value(const struct jv *v, int indent);

/* Members of an object; the first one continues a "- " line if first_inline. */
static void yaml_members(const struct jv *obj, int indent, bool first_inline)
{
	for (const struct jv *k = obj->kids; k; k = k->next) {
		if (!(first_inline && k == obj->kids))
			printf("%*s", indent, "");
		printf("%s:", k->key);
		if (is_scalar(k)) {
			putchar(' ');
			yaml_scalar(k);
			putchar('\n');
		} else if (!k->kids) {
			puts(k->type == JV_OBJ ? " {}" : " []");
		} else {
			putchar('\n');
			yaml_value(k, indent + 4);
		}
	}
}

static void yaml_value(const struct jv *v, int indent)
{
	if (v->type == JV_OBJ) {
		yaml_members(v, indent, false);
		return;
	}
	for (const struct jv *k = v->kids; k; k = k->next) {
		printf("%*s- ", indent, "");
		if (is_scalar(k)) {
			yaml_scalar(k);
			putchar('\n');
		} else if (!k->kids) {
			puts(k->type == JV_OBJ ? "{}" : "[]");
		} else if (k->type == JV_OBJ) {
			yaml_members(k, indent + 2, true);
		} else {
			putchar('\n');
			yaml_value(k, indent + 4);
		}
	}
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_value(const struct jv *v, int indent)
{
	if (v->key) {
		json_string(v->key);
		fputs(": ", stdout);
	}
	switch (v->type) {
	case JV_STR:
		json_string(v->text);
		return;
	case JV_NUM:
	case JV_BOOL:
		fputs(v->text, stdout);
		return;
	case JV_NULL:
		fputs("null", stdout);
		return;
	default:
		break;
	}
	putchar(v->type == JV_OBJ ? '{' : '[');
	for (const struct jv *k = v->kids; k; k = k->next) {
		printf("\n%*s", indent + 2, "");
		json_value(k, indent + 2);
		if (k->next)
			putchar(',');
	}
	if (v->kids)
		printf("\n%*s", indent, "");
	putchar(v->type == JV_OBJ ? '}' : ']');
}

/* The NID fields of each command's list entries: an entry matches --nid by any. */
static const char *const nid_fields[][4] = {
	{ "peers", "nid", "local_nid", NULL },
	{ "conns", "peer", "local_nid", NULL },
	{ "msgs", "target", "nexthop", "local_nid" },
	{ "status", "channels", "nid", NULL },
};

/*
 * Keeps the entries of the command's list that name nid; returns how many
 * are left, or -1 if the command has no list to filter.
 */
static int filter_nid(struct jv *v, const char *cmd, const char *nid)
{
	for (size_t i = 0; i < sizeof(nid_fields) / sizeof(nid_fields[0]); i++) {
		const char *const *f = nid_fields[i];
		const char *list = !strcmp(f[0], "status") ? f[1] : f[0];
		struct jv *arr, **link;
		int n = 0;

		if (strcmp(f[0], cmd))
			continue;
		arr = (struct jv *)jv_get(v, list);
		if (!arr || arr->type != JV_ARR)
			return -1;
		for (link = &arr->kids; *link;) {
			struct jv *e = *link;
			bool match = false;

			for (size_t k = !strcmp(f[0], "status") ? 2 : 1; k < 4 && f[k]; k++) {
				const struct jv *x = jv_get(e, f[k]);

				match |= x && x->type == JV_STR && !strcmp(x->text, nid);
			}
			if (match) {
				link = &e->next;
				n++;
			} else {
				*link = e->next;
				e->next = NULL;
				jv_free(e);
			}
		}
		return n;
	}
	return -1;
}

/* One request, parsed (and filtered by --nid). NULL after a message. */
static struct jv *fetch(const char *path, const char *cmd, const char *nid)
{
	struct jv *v = ctl_ask(path, cmd);

	if (!v)
		return NULL;
	if (nid && filter_nid(v, cmd, nid) == 0) {
		fprintf(stderr, "lu2kctl: no %s entry names %s\n", cmd, nid);
		jv_free(v);
		return NULL;
	}
	return v;
}

static int print(const struct jv *v, bool json)
{
	if (json) {
		json_value(v, 0);
		putchar('\n');
	} else {
		yaml_value(v, 0);
	}
	return fflush(stdout) ? 1 : 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A live view: the answer again every interval, the screen cleared when it is
 * a terminal; from the second round each counter has a KEY_per_s beside it.
 */
static int watch_loop(const char *path, const char *cmd, bool json, const char *nid,
		      unsigned long secs, int level)
{
	struct jv *prev = NULL;
	double t_prev = 0;

	for (;;) {
		double t = mono_s();
		struct jv *v = fetch(path, cmd, nid);
		time_t now = time(NULL);
		char stamp[32];

		if (!v && !isatty(STDOUT_FILENO)) {
			jv_free(prev);
			return 1;
		}
		if (v && prev && rates_add(v, prev, cmd, t - t_prev) < 0)
			fprintf(stderr, "lu2kctl: out of memory for the rates\n");
		if (isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		strftime(stamp, sizeof(stamp), "%F %T", localtime(&now));
		printf("# lu2kctl %s%s%s, every %lu s, %s%s\n", cmd, nid ? " --nid " : "",
		       nid ? nid : "", secs, stamp,
		       prev && v ? " (KEY_per_s: rates since the last round)" : "");
		if (v) {
			struct jv *shown = NULL;

			/* the rates need every counter of this round next time: print a cut copy */
			if (!json && level < VERBOSE_ALL) {
				shown = jv_dup(v);
				if (shown)
					verbose_filter(shown, cmd, level);
			}
			print(shown ? shown : v, json);
			jv_free(shown);
			jv_free(prev);
			prev = v;
			t_prev = t;
		}
		sleep((unsigned int)secs);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "nid", required_argument, NULL, 'n' },
		{ "watch", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ "listen", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cmds[] = { "status", "peers",	 "conns", "msgs",
					    "stats",  "metrics", "config" };
	const char *path = getenv("LU2K_CTL_SOCKET"), *output = NULL, *listen_addr = NULL;
	const char *nid = NULL, *cmd;
	bool json = false, known = false;
	unsigned long watch = 0;
	double ping_timeout = 10;
	int level = VERBOSE_DEFAULT;
	char *end;
	int o;

	if (!path || !*path)
		path = CTL_DEFAULT_SOCKET;
	while ((o = getopt_long(argc, argv, "s:jn:w:o:t:vhV", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			nid = optarg;
			break;
		case 'w':
			errno = 0;
			watch = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '1' || optarg[0] > '9' || watch > 86400) {
				fprintf(stderr, "lu2kctl: --watch '%s': want seconds, 1..86400\n",
					optarg);
				return 2;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'v':
			level = VERBOSE_ALL;
			break;
		case 'B':
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '2') {
				fprintf(stderr, "lu2kctl: --verbose '%s': want 0, 1 or 2\n",
					optarg);
				return 2;
			}
			level = optarg[0] - '0';
			break;
		case 't':
			errno = 0;
			ping_timeout = strtod(optarg, &end);
			if (errno || *end || !(ping_timeout >= 0.1 && ping_timeout <= 3600)) {
				fprintf(stderr,
					"lu2kctl: --timeout '%s': want seconds, 0.1..3600\n",
					optarg);
				return 2;
			}
			break;
		case 'L':
			listen_addr = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("lu2kctl %s\n", LU2K_VERSION_STR);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "ping")) {
		if (optind != argc - 2 || nid || watch || output || listen_addr) {
			fprintf(stderr, "lu2kctl: usage: lu2kctl [--socket PATH] [--json] "
					"[--timeout SECS] ping NID\n");
			return 2;
		}
		return ctl_ping(path, argv[optind + 1], ping_timeout, json);
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		known |= !strcmp(cmd, cmds[i]);
	if (!known) {
		fprintf(stderr,
			"lu2kctl: unknown command '%s' (status, peers, conns, msgs, stats, "
			"metrics, config, ping)\n",
			cmd);
		return 2;
	}
	if (!strcmp(cmd, "metrics")) {
		if (json || nid || watch || (output && listen_addr)) {
			fprintf(stderr, "lu2kctl: metrics takes one of --output and --listen, "
					"and no --json, --nid or --watch\n");
			return 2;
		}
		if (listen_addr)
			return metrics_serve(path, listen_addr);
		return output ? metrics_write_file(path, output) : metrics_print(path, stdout);
	}
	if (output || listen_addr) {
		fprintf(stderr, "lu2kctl: --output and --listen go with 'metrics'\n");
		return 2;
	}
	if (nid && (!strcmp(cmd, "stats") || !strcmp(cmd, "config"))) {
		fprintf(stderr, "lu2kctl: --nid goes with status, peers, conns and msgs\n");
		return 2;
	}
	if (watch)
		return watch_loop(path, cmd, json, nid, watch, level);
	{
		struct jv *v = fetch(path, cmd, nid);
		int rc;

		if (!v)
			return 1;
		if (!json)
			verbose_filter(v, cmd, level);
		rc = print(v, json);
		jv_free(v);
		return rc;
	}
}
