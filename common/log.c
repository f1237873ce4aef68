/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

enum lu2k_log_level lu2k_log_level = LU2K_LOG_INFO;
uint64_t lu2k_log_suppressed;
static bool use_syslog;
static bool echo_stderr; /* daemonizing: errors reach the terminal until ready */

static const char *const names[] = { "error", "warn", "info", "debug" };

int lu2k_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	if (strcmp(s, "warning") == 0)
		return LU2K_LOG_WARN;
	return -EINVAL;
}

const char *lu2k_log_level_str(enum lu2k_log_level l)
{
	return (unsigned int)l < 4 ? names[l] : "?";
}

void lu2k_log_echo_stderr(bool on)
{
	echo_stderr = on;
}

void lu2k_log_use_syslog(bool on)
{
	if (on && !use_syslog)
		openlog("lu2kd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && use_syslog)
		closelog();
	use_syslog = on;
}

void lu2k_log(enum lu2k_log_level l, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (use_syslog) {
		syslog(prio[(unsigned int)l < 4 ? l : 3], "%s", msg);
		if (echo_stderr && l <= LU2K_LOG_WARN)
			fprintf(stderr, "lu2kd: %s: %s\n", lu2k_log_level_str(l), msg);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld lu2kd %s: %s\n", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, lu2k_log_level_str(l), msg);
	}
}

bool lu2k_log_rl_ok(struct lu2k_log_rl *rl, enum lu2k_log_level l)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec != rl->window) {
		if (rl->dropped)
			lu2k_log(l, "(%u similar messages suppressed)", rl->dropped);
		rl->window = ts.tv_sec;
		rl->n = 0;
		rl->dropped = 0;
	}
	if (rl->n < LU2K_LOG_RL_BURST) {
		rl->n++;
		return true;
	}
	rl->dropped++;
	lu2k_log_suppressed++;
	return false;
}

uint64_t lu2k_log_bugs;
#ifdef LU2K_DEBUG
bool lu2k_log_bug_fatal = true;
#else
bool lu2k_log_bug_fatal;
#endif

bool lu2k_log_bug(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lu2k_log_bugs++;
	lu2k_log(LU2K_LOG_ERROR, "internal error at %s:%d: %s (please report it)", file, line, msg);
	if (lu2k_log_bug_fatal)
		abort();
	return true;
}
