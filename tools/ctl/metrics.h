/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - lu2kctl metrics: a running lu2kd's state in Prometheus' text
 * format, printed, written to a file for node-exporter's textfile collector,
 * or served over HTTP for Prometheus to scrape.
 */
#ifndef LU2K_CTL_METRICS_H
#define LU2K_CTL_METRICS_H

#include <stdio.h>

/* Ask lu2kd (ctl socket path) and print the metrics to f. 0, or 1 after a message. */
int metrics_print(const char *path, FILE *f);
/* The same into file, atomically (a temporary file beside it, then rename). */
int metrics_write_file(const char *path, const char *file);
/*
 * Serve GET /metrics on addr ("HOST:PORT", "[V6]:PORT" or "PORT" for
 * loopback) until a signal ends the process; each scrape asks lu2kd anew.
 * Returns 1 (after a message) if it cannot listen.
 */
int metrics_serve(const char *path, const char *addr);

#endif
