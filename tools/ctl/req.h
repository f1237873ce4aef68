/* SPDX-License-Identifier: MIT */
/*
 * req.h - one request to lu2kd's control socket (daemon/ctl.c): a command
 * line out, the JSON answer back, bounded by a timeout.
 */
#ifndef LU2K_CTL_REQ_H
#define LU2K_CTL_REQ_H

#include <stddef.h>

#define CTL_DEFAULT_SOCKET "/run/lu2k/lu2kd.ctl"
#define CTL_TIMEOUT_MS	   5000

/* The answer (malloc'd, NUL-terminated), or NULL after a message on stderr. */
char *ctl_request(const char *path, const char *cmd);
/* The same without a word on stderr: NULL with the reason in err. */
char *ctl_request_quiet(const char *path, const char *cmd, int timeout_ms, char *err,
			size_t errlen);

struct jv;
/* ctl_request() parsed: NULL (after a message on stderr) if it failed or lu2kd said "error". */
struct jv *ctl_ask(const char *path, const char *cmd);

#endif
