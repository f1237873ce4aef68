/* SPDX-License-Identifier: MIT */
/*
 * lu2kctl - show what a running lu2kd is doing: peers, connections, messages
 * in flight, statistics, status. YAML by default (like lnetctl), JSON with
 * --json. It sends one request line on lu2kd's control socket and renders the
 * JSON answer (see daemon/ctl.c for the protocol).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "lu2k/version.h"
#include "metrics.h"
#include "req.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lu2kctl [--socket PATH] [--json] COMMAND\n"
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
		"\n"
		"Options:\n"
		"  -s, --socket PATH    lu2kd's control socket [%s, or $LU2K_CTL_SOCKET]\n"
		"  -j, --json           print JSON instead of YAML\n"
		"  -o, --output FILE    metrics: write FILE atomically (node-exporter's textfile\n"
		"                       collector), instead of printing them\n"
		"      --listen ADDR    metrics: serve them at http://ADDR/metrics until killed\n"
		"                       (HOST:PORT, [V6]:PORT, or PORT on 127.0.0.1)\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n",
		CTL_DEFAULT_SOCKET);
}

static bool is_scalar(const struct jv *v)
{
	return v->type != JV_OBJ && v->type != JV_ARR;
}

/* Quote strings YAML would read as something else. */
static void yaml_scalar(const struct jv *v)
{
	const char *s = v->text ? v->text : "null";
	bool quote = false;

	if (v->type != JV_STR) {
		fputs(s, stdout);
		return;
	}
	if (!*s || strchr(" -?:,[]{}#&*!|>'\"%@`", s[0]) || strstr(s, ": ") || strstr(s, " #") ||
	    s[strlen(s) - 1] == ' ' || !strcmp(s, "true") || !strcmp(s, "false") ||
	    !strcmp(s, "null") || strspn(s, "0123456789.-+eE") == strlen(s))
		quote = true;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == '"' || *c == '\\')
			quote = true;
	if (!quote) {
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

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "listen", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cmds[] = {
		"status", "peers", "conns", "msgs", "stats", "metrics"
	};
	const char *path = getenv("LU2K_CTL_SOCKET"), *output = NULL, *listen_addr = NULL;
	const struct jv *err;
	bool json = false, known = false;
	struct jv *v;
	size_t off = 0;
	char *ans;
	int o;

	if (!path || !*path)
		path = CTL_DEFAULT_SOCKET;
	while ((o = getopt_long(argc, argv, "s:jo:hV", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'o':
			output = optarg;
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
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		known |= !strcmp(argv[optind], cmds[i]);
	if (!known) {
		fprintf(stderr,
			"lu2kctl: unknown command '%s' (status, peers, conns, msgs, stats, "
			"metrics)\n",
			argv[optind]);
		return 2;
	}
	if (strcmp(argv[optind], "metrics")) {
		if (output || listen_addr) {
			fprintf(stderr, "lu2kctl: --output and --listen go with 'metrics'\n");
			return 2;
		}
	} else {
		if (json || (output && listen_addr)) {
			fprintf(stderr, "lu2kctl: metrics takes one of --output and --listen, "
					"and no --json\n");
			return 2;
		}
		if (listen_addr)
			return metrics_serve(path, listen_addr);
		return output ? metrics_write_file(path, output) : metrics_print(path, stdout);
	}
	ans = ctl_request(path, argv[optind]);
	if (!ans)
		return 1;
	v = jv_parse(ans, &off);
	if (!v || v->type != JV_OBJ) {
		fprintf(stderr, "lu2kctl: malformed answer from lu2kd (at byte %zu)\n", off);
		free(ans);
		jv_free(v);
		return 1;
	}
	free(ans);
	err = jv_get(v, "error");
	if (err && err->type == JV_STR) {
		fprintf(stderr, "lu2kctl: lu2kd: %s\n", err->text);
		jv_free(v);
		return 1;
	}
	if (json) {
		json_value(v, 0);
		putchar('\n');
	} else {
		yaml_value(v, 0);
	}
	jv_free(v);
	return 0;
}
