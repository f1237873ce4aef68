/* SPDX-License-Identifier: MIT */
/*
 * main.c - lu2kd: settings, start-up, signals, shutdown.
 *
 * Start-up order: settings (defaults < config file < command line), the
 * back-end, the control socket, the channel socket (liblu2k) and/or the
 * devices (/dev/lu2k); then the pid file is written, "ready" logged, the
 * service manager told (READY=1, notify.c), and a daemonizing parent
 * released. SIGTERM/SIGINT: STOPPING=1, then every channel gets
 * LU2K_EVT_DETACH and a kick, then is detached; sockets and the pid file are
 * removed; exit 0. SIGHUP: the settings are read again exactly as at
 * start-up (same file, same command line) and handed to reload.c; a file
 * with errors changes nothing and says why in the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_auth.h"
#include "config_be.h"
#include "core.h"
#include "common/log.h"
#include "notify.h"

/* The command line's own options; the others are config_keys.c's keys. */
enum { CLI_CONFIG, CLI_CHECK, CLI_FIRST_N };
enum { CLI_OPTION, CLI_FOREGROUND, CLI_SYSLOG, CLI_HELP, CLI_VERSION, CLI_REST_N };

static const struct lu2k_opt cli_first[] = {
	[CLI_CONFIG] = { .lopt = "config",
			 .sopt = 'c',
			 .arg = "FILE",
			 .type = LU2K_OPT_FUNC,
			 .dflt = LU2KD_DEFAULT_CONFIG ", if it exists",
			 .help = "read settings from FILE (key = value, see lu2kd.conf(5))" },
	[CLI_CHECK] = { .lopt = "check-config",
			.type = LU2K_OPT_FLAG,
			.help = "check the settings (every back-end's section too), print what "
				"is wrong, exit 0 (good) or 1; start nothing" },
	[CLI_FIRST_N] = LU2K_OPT_END,
};

static const struct lu2k_opt cli_rest[] = {
	[CLI_OPTION] = { .lopt = "option",
			 .sopt = 'o',
			 .arg = "KEY=VALUE",
			 .type = LU2K_OPT_FUNC,
			 .help = "back-end option (as in the [backend] section)" },
	[CLI_FOREGROUND] = { .lopt = "foreground",
			     .sopt = 'f',
			     .type = LU2K_OPT_FLAG,
			     .help = "stay in the foreground, log to stderr" },
	[CLI_SYSLOG] = { .lopt = "syslog",
			 .type = LU2K_OPT_FLAG,
			 .help = "log to syslog (the default when daemonized)" },
	[CLI_HELP] = { .lopt = "help", .sopt = 'h', .type = LU2K_OPT_FLAG, .help = "this text" },
	[CLI_VERSION] = { .lopt = "version",
			  .sopt = 'V',
			  .type = LU2K_OPT_FLAG,
			  .help = "print the version" },
	[CLI_REST_N] = LU2K_OPT_END,
};

static const struct lu2k_opt *const cli_tables[] = { cli_first, lu2kd_config_opts, cli_rest, NULL };

static void usage(FILE *f)
{
	struct lu2kd_config d;

	lu2kd_config_defaults(&d);
	fprintf(f, "Usage: lu2kd [OPTION]...\n"
		   "The lu2k daemon: carries LNet messages of attached kernel halves (lu2klnd.ko\n"
		   "or liblu2k) to other lu2kd daemons over a back-end transport.\n"
		   "\n");
	for (unsigned int i = 0; cli_tables[i]; i++)
		lu2k_opt_help(f, cli_tables[i], &d);
	fprintf(f, "\nBack-ends and their keys:\n");
	for (unsigned int i = 0; lu2k_backend_at(i); i++) {
		const struct lu2k_backend_ops *b = lu2k_backend_at(i);
		const struct lu2k_be_env env = { .loop = NULL }; /* no default needs more */
		struct lu2k_be *be = lu2k_backend_defaults(b, &env);

		fprintf(f, "  %s: %s\n", b->name, b->description);
		lu2k_opt_help_keys(f, b->keys, be, "      ");
		free(be);
	}
	fprintf(f, "Back-end keys go in [backend] (the one that runs) or [NAME], or -o KEY=VALUE;\n"
		   "lu2kd.conf(5) and doc/ explain each. Settings on the command line override\n"
		   "the config file.\n");
}

struct cli {
	bool foreground;
	bool syslog_flag;
	bool check_config;
	const char *config; /* the file read, or NULL */
};

/* At start-up errors go to the terminal; on SIGHUP to the log. */
static bool cli_reloading;

static void __attribute__((format(printf, 1, 2))) cli_err(const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli_reloading)
		LOG_ERR("reload: %s", msg);
	else
		fprintf(stderr, "lu2kd: %s\n", msg);
}

/* -o KEY=VALUE: a [backend] key */
static int cli_be_option(struct lu2kd_config *cfg, const char *arg)
{
	char kv[256], err[512];
	char *eq;

	snprintf(kv, sizeof(kv), "%s", arg);
	eq = strchr(kv, '=');
	if (!eq || eq == kv) {
		cli_err("--option wants KEY=VALUE, got '%s'", arg);
		return -1;
	}
	*eq = 0;
	if (lu2kd_config_set(cfg, "backend", kv, eq + 1, "-o", err, sizeof(err))) {
		cli_err("%s", err);
		return -1;
	}
	return 0;
}

static int parse_cli(int argc, char **argv, struct lu2kd_config *cfg, struct cli *cli)
{
	struct option long_opts[32];
	char short_opts[32], err[512];
	const char *config = NULL;
	const struct lu2k_opt *e;
	int o, rc;

	if (lu2k_opt_getopt(cli_tables, long_opts, 32, short_opts, sizeof(short_opts))) {
		cli_err("too many options for getopt's arrays"); /* a programming error */
		return -1;
	}
	/* Pass 1: the config file, so that the command line can override it. */
	optind = 0; /* glibc: start afresh (SIGHUP parses the same argv again) */
	opterr = 0;
	while ((o = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		e = lu2k_opt_by_val(cli_tables, o);
		if (e == &cli_first[CLI_CONFIG])
			config = optarg;
		else if (e == &cli_first[CLI_CHECK])
			cli->check_config = true;
		else if (e == &cli_rest[CLI_HELP]) {
			usage(stdout);
			exit(0);
		} else if (e == &cli_rest[CLI_VERSION]) {
			printf("lu2kd %s (channel ABI %d)\n", LU2K_VERSION_STR, LU2K_ABI_VERSION);
			exit(0);
		}
	}
	/* Without -c the default file is read if it is there; -c FILE must be there. */
	rc = lu2kd_config_load(cfg, config ? config : LU2KD_DEFAULT_CONFIG, err, sizeof(err));
	if (rc != -ENOENT || config)
		cli->config = config ? config : LU2KD_DEFAULT_CONFIG;
	if (rc && cli->config) {
		cli_err("%s", err);
		return -1;
	}
	optind = 1;
	opterr = 1;
	while ((o = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		e = lu2k_opt_by_val(cli_tables, o);
		if (!e) {
			cli_err("Try 'lu2kd --help'.");
			return -1;
		}
		if (e->key) { /* a daemon key: the same entry as the file's */
			if (lu2k_opt_set(e, cfg, optarg, NULL, err, sizeof(err))) {
				cli_err("%s", err);
				return -1;
			}
		} else if (e == &cli_rest[CLI_OPTION]) {
			if (cli_be_option(cfg, optarg))
				return -1;
		} else if (e == &cli_rest[CLI_FOREGROUND]) {
			cli->foreground = true;
		} else if (e == &cli_rest[CLI_SYSLOG]) {
			cli->syslog_flag = true;
		}
	}
	if (optind < argc) {
		cli_err("unexpected argument '%s'; try 'lu2kd --help'", argv[optind]);
		return -1;
	}
	if (lu2kd_config_check(cfg, err, sizeof(err))) {
		cli_err("%s", err);
		return -1;
	}
	return 0;
}

/* Every back-end key, whichever back-end runs; 0 or the number of errors (printed). */
static unsigned int check_backends(struct lu2kd *d)
{
	struct lu2k_be_env env;

	lu2kd_core_env(d, &env);
	return lu2kd_config_check_backends(&d->cfg, &env, stderr);
}

/* The settings' warnings (keys set twice): on f, or in the log when f is NULL. */
static void warn_config(const struct lu2kd_config *c, FILE *f, const char *prefix)
{
	unsigned int n = c->nwarnings < LU2KD_MAX_WARNINGS ? c->nwarnings : LU2KD_MAX_WARNINGS;

	for (unsigned int i = 0; i < n; i++) {
		if (f)
			fprintf(f, "lu2kd: warning: %s\n", c->warnings[i]);
		else
			LOG_WARN("%s%s", prefix, c->warnings[i]);
	}
	if (c->nwarnings > n) {
		if (f)
			fprintf(f, "lu2kd: warning: and %u more\n", c->nwarnings - n);
		else
			LOG_WARN("%sand %u more warnings", prefix, c->nwarnings - n);
	}
}

/* lu2kd --check-config: parse and check, say so, start nothing. */
static int check_config(struct lu2kd *d, const struct cli *cli, bool parsed)
{
	const char *what = cli->config ? cli->config
				       : "no config file (" LU2KD_DEFAULT_CONFIG
					 " is absent): the defaults";

	if (parsed) {
		char err[768];

		d->be_ops = lu2k_backend_find(d->cfg.backend);
		if (lu2kd_auth_start(d, err, sizeof(err))) {
			fprintf(stderr, "lu2kd: %s\n", err);
			parsed = false;
		}
		lu2k_auth_free(&d->auth);
	}
	if (!parsed || check_backends(d)) {
		fprintf(stderr, "lu2kd: %s: the settings have errors\n",
			cli->config ? cli->config : "the command line");
		return 1;
	}
	warn_config(&d->cfg, stderr, "");
	printf("lu2kd: %s: OK (back-end %s, port %u)\n", what, d->cfg.backend, d->cfg.port);
	return 0;
}

static int start_backend(struct lu2kd *d)
{
	struct lu2k_be_option opts[LU2KD_MAX_BE_OPTS];
	unsigned int n = 0;
	char err[512] = "";
	int rc;

	d->be_ops = lu2k_backend_find(d->cfg.backend);
	if (!d->be_ops) {
		LOG_ERR("unknown back-end '%s' (see lu2kd --help)", d->cfg.backend);
		return -ENOENT;
	}
	rc = lu2kd_auth_start(d, err, sizeof(err));
	if (rc) {
		LOG_ERR("%s", err);
		return rc;
	}
	if (d->auth.enabled)
		LOG_INFO("keys on ([auth], %s): every connection authenticated and sealed",
			 d->auth.network ? "network mode: one PSK" : "node keys");
	for (unsigned int i = 0; i < d->cfg.nbe_opts; i++) {
		const struct lu2kd_be_opt *o = &d->cfg.be_opts[i];

		/* [backend] applies to whichever is chosen; [tcp] only to tcp. */
		if (strcmp(o->section, "backend") && strcmp(o->section, d->be_ops->name))
			continue;
		opts[n++] = (struct lu2k_be_option){ o->key, o->value, o->where };
	}
	lu2kd_core_env(d, &d->env);
	rc = d->be_ops->create(&d->env, opts, n, err, sizeof(err), &d->be);
	if (rc)
		LOG_ERR("back-end %s: %s", d->be_ops->name, err[0] ? err : strerror(-rc));
	return rc;
}

/* Tell the service manager (if any); a manager that cannot hear us is logged, not fatal. */
static void notify(const char *state)
{
	int rc = lu2kd_notify(state);

	if (rc < 0)
		LOG_WARN("NOTIFY_SOCKET %s: %s", getenv("NOTIFY_SOCKET"), strerror(-rc));
}

struct sig_watch {
	struct lu2k_io io;
	struct lu2kd *d;
	int argc;
	char **argv;
};

/* SIGHUP: the settings read as at start-up, checked, then handed to reload.c. */
static void reload(struct sig_watch *s)
{
	struct lu2kd *d = s->d;
	struct lu2kd_config *nc = malloc(sizeof(*nc));
	struct cli cli = { 0 };
	struct lu2k_be_env env;
	char *report = NULL, *line, *save = NULL;
	size_t len = 0;
	unsigned int bad = 0;
	FILE *f;
	int rc;

	if (!nc) {
		LOG_ERR("reload: out of memory; nothing changed");
		d->reload_failures++;
		return;
	}
	notify("RELOADING=1\nSTATUS=reloading the settings");
	lu2kd_config_defaults(nc);
	cli_reloading = true;
	rc = parse_cli(s->argc, s->argv, nc, &cli);
	cli_reloading = false;
	if (!rc) {
		lu2kd_core_env(d, &env);
		f = open_memstream(&report, &len);
		bad = f ? lu2kd_config_check_backends(nc, &env, f) : 1;
		if (f)
			fclose(f);
		for (line = report ? strtok_r(report, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			LOG_ERR("reload: %s", strncmp(line, "lu2kd: ", 7) ? line : line + 7);
		free(report);
	}
	if (rc || bad) {
		LOG_ERR("reload: %s has errors (above): nothing changed, lu2kd runs on with "
			"the settings it had",
			cli.config ? cli.config : "the command line");
		d->reload_failures++;
	} else {
		snprintf(d->config_file, sizeof(d->config_file), "%s",
			 cli.config ? cli.config : "");
		warn_config(nc, NULL, "reload: ");
		lu2kd_reload(d, nc, cli.config ? cli.config : "the command line (no config file)");
		lu2kd_auth_reload(d, nc);
	}
	free(nc);
	{
		char st[256];

		snprintf(st, sizeof(st), "READY=1\nSTATUS=serving: back-end %s port %u%s",
			 d->be_ops->name, d->cfg.port,
			 d->restart_pending[0] ? " (changed settings wait for a restart)" : "");
		notify(st);
	}
}

static void sig_event(struct lu2k_io *io, uint32_t revents)
{
	struct sig_watch *s = lu2k_container_of(io, struct sig_watch, io);
	struct signalfd_siginfo si;

	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			LOG_INFO("signal %u: shutting down", si.ssi_signo);
			lu2k_loop_stop(&s->d->loop);
		} else if (si.ssi_signo == SIGHUP) {
			LOG_INFO("SIGHUP: reading the settings again");
			reload(s);
		}
	}
}

static int write_pid_file(const char *path)
{
	char tmp[300], buf[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		unlink(tmp);
		return -EIO;
	}
	close(fd);
	return rename(tmp, path) ? -errno : 0;
}

/* Fork into the background; the parent exits when the child says it is ready. */
static int daemonize(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 && c == 'r' ? 0 : 1);
	}
	close(p[0]);
	setsid();
	if (chdir("/"))
		return -errno;
	/*
	 * stdout and stderr stay the terminal's until lu2kd is ready, so that a
	 * start that fails says why where it was started (and in the log);
	 * detach_stdio() lets go of them then.
	 */
	{
		int nul = open("/dev/null", O_RDWR);

		if (nul >= 0) {
			dup2(nul, 0);
			if (nul > 2)
				close(nul);
		}
	}
	lu2k_log_echo_stderr(true);
	*ready_fd = p[1];
	return 0;
}

/* Ready: the terminal is no longer ours. */
static void detach_stdio(void)
{
	int nul = open("/dev/null", O_RDWR);

	lu2k_log_echo_stderr(false);
	if (nul >= 0) {
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
}

static void shutdown_all(struct lu2kd *d)
{
	while (!lu2k_list_empty(&d->chans)) {
		struct lu2kd_chan *ch = lu2k_list_first(&d->chans, struct lu2kd_chan, link);

		/* Leaving on purpose: say so, so the kernel half fails its messages at once. */
		lu2kd_chan_post_evt(ch, LU2K_EVT_DETACH, 0, NULL);
		ch->ops->kick(ch);
		lu2kd_chan_detach(ch, "the daemon is shutting down");
	}
	lu2kd_ctl_stop(d);
	lu2kd_attach_socket_stop(d);
	if (d->be)
		d->be_ops->destroy(d->be);
	d->be = NULL;
	if (d->cfg.pid_file[0])
		unlink(d->cfg.pid_file);
}

int main(int argc, char **argv)
{
	static struct lu2kd d;
	struct sig_watch sw = { .d = &d, .argc = argc, .argv = argv };
	struct cli cli = { 0 };
	int ready_fd = -1, rc, sfd;
	sigset_t mask;

	lu2kd_config_defaults(&d.cfg);
	rc = parse_cli(argc, argv, &d.cfg, &cli);
	if (cli.check_config)
		return check_config(&d, &cli, rc == 0);
	if (rc || check_backends(&d))
		return 2;
	lu2k_log_level = d.cfg.log_level;
	snprintf(d.config_file, sizeof(d.config_file), "%s", cli.config ? cli.config : "");
	if (!cli.foreground) {
		rc = daemonize(&ready_fd);
		if (rc) {
			fprintf(stderr, "lu2kd: cannot daemonize: %s\n", strerror(-rc));
			return 1;
		}
	}
	lu2k_log_use_syslog(cli.syslog_flag || d.cfg.syslog || !cli.foreground);
	warn_config(&d.cfg, NULL, "");

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

	rc = lu2k_loop_init(&d.loop);
	if (rc || sfd < 0) {
		LOG_ERR("cannot create the event loop: %s", strerror(rc ? -rc : errno));
		return 1;
	}
	d.start_ns = d.loop.now;
	d.rng = (uint32_t)d.loop.now ^ (uint32_t)getpid() * 2654435761u;
	if (!d.rng)
		d.rng = 1;
	lu2k_list_init(&d.chans);
	lu2k_list_init(&d.msg_cache);
	lu2k_loop_io_init(&sw.io, sfd, sig_event);
	if (lu2kd_peers_init(&d) || lu2k_loop_io_set(&d.loop, &sw.io, EPOLLIN)) {
		LOG_ERR("out of memory");
		return 1;
	}
	if (start_backend(&d))
		goto fail;
	rc = lu2kd_attach_socket_start(&d);
	if (rc) {
		LOG_ERR("channel socket %s: %s", d.cfg.channel_socket, strerror(-rc));
		goto fail;
	}
	rc = lu2kd_ctl_start(&d);
	if (rc) {
		LOG_ERR("control socket %s: %s", d.cfg.ctl_socket, strerror(-rc));
		goto fail;
	}
	for (unsigned int i = 0; i < d.cfg.ndevices; i++)
		if (lu2kd_attach_device(&d, d.cfg.devices[i]))
			goto fail;
	if (d.cfg.pid_file[0] && (rc = write_pid_file(d.cfg.pid_file))) {
		LOG_ERR("pid file %s: %s", d.cfg.pid_file, strerror(-rc));
		goto fail;
	}
	LOG_INFO("ready: lu2kd %s pid %d, back-end %s port %u, channel socket %s, ctl socket %s",
		 LU2K_VERSION_STR, (int)getpid(), d.be_ops->name, d.cfg.port, d.cfg.channel_socket,
		 d.cfg.ctl_socket);
	{
		char st[256];

		snprintf(st, sizeof(st), "READY=1\nSTATUS=serving: back-end %s port %u",
			 d.be_ops->name, d.cfg.port);
		notify(st);
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			LOG_WARN("cannot tell the parent we are ready");
		close(ready_fd);
		detach_stdio();
	}
	rc = lu2k_loop_run(&d.loop);
	if (rc)
		LOG_ERR("event loop: %s", strerror(-rc));
	notify("STOPPING=1\nSTATUS=shutting down");
	shutdown_all(&d);
	lu2kd_peers_fini(&d);
	lu2k_auth_free(&d.auth);
	while (!lu2k_list_empty(&d.msg_cache)) {
		struct lu2kd_msg *m = lu2k_list_first(&d.msg_cache, struct lu2kd_msg, link);

		lu2k_list_del(&m->link);
		free(m);
	}
	lu2k_loop_io_set(&d.loop, &sw.io, 0);
	close(sfd);
	lu2k_loop_fini(&d.loop);
	LOG_INFO("exit");
	return rc ? 1 : 0;
fail:
	notify("STATUS=failed to start (see the log)");
	shutdown_all(&d);
	lu2kd_peers_fini(&d);
	lu2k_loop_fini(&d.loop);
	return 1;
}
