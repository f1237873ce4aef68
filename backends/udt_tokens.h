/* SPDX-License-Identifier: MIT */
/*
 * udt_tokens.h - the address tokens (proto/udt/handshake.h) the udt
 * back-end's listeners gave this end's outgoing connections, by listener
 * address and port: the next connection there sends its final request at
 * once and connects in one round trip instead of two. At 600 ms that is
 * 0.6 s off every new peer pair's first message, and the reply's connection
 * the other way saves as much when that end holds a token for ours. A
 * first contact has none: its final request without a cookie
 * (udt_conn_no_cookie) connects in one round trip too, while the listener
 * has few connections not proved yet; else UDT4's two round trips.
 *
 * A listener takes a token for 10 to 20 minutes after it gave it; one is
 * kept here for 10. A full table forgets its oldest entry.
 */
#ifndef LU2K_BACKENDS_UDT_TOKENS_H
#define LU2K_BACKENDS_UDT_TOKENS_H

#include <stdint.h>
#include <sys/socket.h>

#include "udt_memo.h"

#define UDTB_TOKENS_N	  64
#define UDTB_TOKEN_TTL_NS (600ull * 1000000000ull)

struct udtb_token {
	/* the listener's address, and ours it saw (port 0): the token's */
	struct udtb_memo_key k;
	uint32_t token;
};

struct udtb_tokens {
	struct udtb_token e[UDTB_TOKENS_N];
	uint64_t learnt, used; /* tokens kept, and connections that sent one */
};

/*
 * The listener gives a token to the host address it saw: the local address
 * of the connected socket fd (another NID of this host may send from
 * another address, and its token would not be taken there).
 */
void udtb_tokens_put(struct udtb_tokens *t, const struct sockaddr_storage *addr, int fd,
		     uint32_t token, uint64_t now_ns);
/* 1 and the token if one for addr from fd's address is known and not expired, else 0. */
int udtb_tokens_get(struct udtb_tokens *t, const struct sockaddr_storage *addr, int fd,
		    uint64_t now_ns, uint32_t *token);

#endif
