/* SPDX-License-Identifier: MIT */
/*
 * udt_tool.h - lu2k-udt's one connection over one UDP socket: a small loop
 * (ppoll with nanosecond timeouts) around the engine, so the tool can be a
 * plain sequential program.
 */
#ifndef LU2K_TOOLS_UDT_TOOL_H
#define LU2K_TOOLS_UDT_TOOL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/udt/udt.h"

struct ut_conn {
	int fd;
	struct udt_config cfg;
	struct udt_callbacks cb;
	void *ud;
	struct udt_conn *u;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct udt_listener lis; /* receiver: the handshake */
	bool listening;
	uint64_t last_now;
	uint8_t *buf;
	size_t cap;
};

uint64_t ut_now(void);
/* Receiver: bind to addr:port (NULL: any), wait for a client in ut_run. */
int ut_listen(struct ut_conn *t, const char *addr, const char *port);
/* Sender: resolve host:port and start the handshake. */
int ut_connect(struct ut_conn *t, const char *host, const char *port);
/* One round: wait for a datagram or the engine's deadline (at most max_ns), handle, send. */
void ut_step(struct ut_conn *t, uint64_t max_ns);
void ut_close(struct ut_conn *t);

#endif
