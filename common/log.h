/* SPDX-License-Identifier: MIT */
/*
 * log.h - lu2kd's logging: levels error/warn/info/debug, to stderr or syslog.
 * LOG_RL() is for per-packet paths and for every line a remote peer can
 * cause (hellos, connections up and down, refusals): at most
 * LU2K_LOG_RL_BURST lines per second per call site, then one line saying how
 * many were suppressed, so that a flood cannot fill the journal.
 */
#ifndef LU2K_COMMON_LOG_H
#define LU2K_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum lu2k_log_level {
	LU2K_LOG_ERROR = 0,
	LU2K_LOG_WARN = 1,
	LU2K_LOG_INFO = 2,
	LU2K_LOG_DEBUG = 3,
};

#define LU2K_LOG_RL_BURST 10

extern enum lu2k_log_level lu2k_log_level;
/* Lines LOG_RL() suppressed since start (lu2kctl stats: log_suppressed). */
extern uint64_t lu2k_log_suppressed;

/* Parse "error", "warn", "info", "debug". Returns the level or -EINVAL. */
int lu2k_log_level_parse(const char *s);
const char *lu2k_log_level_str(enum lu2k_log_level l);

/* Switch to syslog (ident "lu2kd") or back to stderr. */
void lu2k_log_use_syslog(bool on);
/* With syslog on, also print errors and warnings on stderr (a daemon starting up). */
void lu2k_log_echo_stderr(bool on);

void lu2k_log(enum lu2k_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct lu2k_log_rl {
	int64_t window;	      /* second of the current window */
	unsigned int n;	      /* lines in this window */
	unsigned int dropped; /* suppressed since the last line */
};

/* True if the call site may log now (and logs the suppressed count first). */
bool lu2k_log_rl_ok(struct lu2k_log_rl *rl, enum lu2k_log_level l);

#define LOG(l, ...)                                 \
	do {                                        \
		if ((l) <= lu2k_log_level)          \
			lu2k_log((l), __VA_ARGS__); \
	} while (0)
#define LOG_ERR(...)   LOG(LU2K_LOG_ERROR, __VA_ARGS__)
#define LOG_WARN(...)  LOG(LU2K_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...)  LOG(LU2K_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) LOG(LU2K_LOG_DEBUG, __VA_ARGS__)

/*
 * A broken rule of lu2kd's own bookkeeping (a back-end ending a receive
 * twice, a counter about to wrap): logged as an internal error and counted
 * (lu2k_log_bugs, in lu2kctl stats), and fatal where lu2k_log_bug_fatal is set (the
 * sanitized builds the tests use, LU2K_DEBUG), so that it is seen at once
 * instead of wedging a channel silently. Evaluates to cond, so that the
 * caller can leave the state sane: if (LU2K_BUG_IF(!x, "...")) return ...;
 */
extern uint64_t lu2k_log_bugs;
extern bool lu2k_log_bug_fatal;
bool lu2k_log_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define LU2K_BUG_IF(cond, ...) \
	(__builtin_expect(!!(cond), 0) ? lu2k_log_bug(__FILE__, __LINE__, __VA_ARGS__) : false)

#define LOG_RL(l, ...)                                                  \
	do {                                                            \
		static struct lu2k_log_rl rl_;                          \
		if ((l) <= lu2k_log_level && lu2k_log_rl_ok(&rl_, (l))) \
			lu2k_log((l), __VA_ARGS__);                     \
	} while (0)

#endif
