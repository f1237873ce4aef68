// SPDX-License-Identifier: MIT
/*
 * udt_tokens.c - address tokens of the listeners this end connected to
 * (udt_tokens.h), in one of udt_memo.h's tables, keyed by the listener's
 * address and ours.
 */
#include "udt_tokens.h"

#include <netinet/in.h>
#include <string.h>

#include "common/sockaddr.h"

/* fd's local address, port 0; 0 or -1 */
static int local_of(int fd, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (getsockname(fd, (struct sockaddr *)ss, &len))
		return -1;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = 0;
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
	else
		return -1;
	return 0;
}

#define TOKENS(t) (t)->e, UDTB_TOKENS_N, sizeof((t)->e[0])

void udtb_tokens_put(struct udtb_tokens *t, const struct sockaddr_storage *addr, int fd,
		     uint32_t token, uint64_t now_ns)
{
	struct sockaddr_storage local;
	struct udtb_token *e;

	if (local_of(fd, &local))
		return;
	e = udtb_memo_take(TOKENS(t), addr, &local, now_ns);
	e->token = token;
	t->learnt++;
}

int udtb_tokens_get(struct udtb_tokens *t, const struct sockaddr_storage *addr, int fd,
		    uint64_t now_ns, uint32_t *token)
{
	struct sockaddr_storage local;
	struct udtb_token *e;

	if (local_of(fd, &local))
		return 0;
	e = udtb_memo_find(TOKENS(t), addr, &local, now_ns, UDTB_TOKEN_TTL_NS, NULL);
	if (!e)
		return 0;
	*token = e->token;
	t->used++;
	return 1;
}
