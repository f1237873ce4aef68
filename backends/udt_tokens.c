// SPDX-License-Identifier: MIT
/*
 * udt_tokens.c - address tokens of the listeners this end connected to
 * (udt_tokens.h). A small array searched linearly: read once per outgoing
 * connection and written once when one is established.
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

static struct udtb_token *find(struct udtb_tokens *t, const struct sockaddr_storage *addr,
			       const struct sockaddr_storage *local)
{
	unsigned int i;

	for (i = 0; i < UDTB_TOKENS_N; i++)
		if (t->e[i].addr.ss_family && lu2k_sockaddr_equal(&t->e[i].addr, addr) &&
		    lu2k_sockaddr_equal(&t->e[i].local, local))
			return &t->e[i];
	return NULL;
}

void udtb_tokens_put(struct udtb_tokens *t, const struct sockaddr_storage *addr, int fd,
		     uint32_t token, uint64_t now_ns)
{
	struct sockaddr_storage local;
	struct udtb_token *e;
	unsigned int i;

	if (local_of(fd, &local))
		return;
	e = find(t, addr, &local);
	if (!e) {
		/* a free slot, else the oldest */
		e = &t->e[0];
		for (i = 0; i < UDTB_TOKENS_N && e->addr.ss_family; i++)
			if (!t->e[i].addr.ss_family || t->e[i].t_ns < e->t_ns)
				e = &t->e[i];
		e->addr = *addr;
		e->local = local;
	}
	e->token = token;
	e->t_ns = now_ns;
	t->learnt++;
}

int udtb_tokens_get(struct udtb_tokens *t, const struct sockaddr_storage *addr, int fd,
		    uint64_t now_ns, uint32_t *token)
{
	struct sockaddr_storage local;
	struct udtb_token *e;

	if (local_of(fd, &local))
		return 0;
	e = find(t, addr, &local);
	if (!e)
		return 0;
	if (now_ns - e->t_ns >= UDTB_TOKEN_TTL_NS) {
		memset(e, 0, sizeof(*e));
		return 0;
	}
	*token = e->token;
	t->used++;
	return 1;
}
