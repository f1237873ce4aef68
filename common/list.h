/* SPDX-License-Identifier: MIT */
/*
 * list.h - an intrusive doubly-linked list (circular, with a head node), the
 * one container the daemon uses for queues of messages and connections.
 */
#ifndef LU2K_COMMON_LIST_H
#define LU2K_COMMON_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct lu2k_list {
	struct lu2k_list *next, *prev;
};

#define lu2k_container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

static inline void lu2k_list_init(struct lu2k_list *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool lu2k_list_empty(const struct lu2k_list *h)
{
	return h->next == h;
}

static inline void lu2k_list_insert_(struct lu2k_list *n, struct lu2k_list *prev,
				     struct lu2k_list *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void lu2k_list_add_tail(struct lu2k_list *h, struct lu2k_list *n)
{
	lu2k_list_insert_(n, h->prev, h);
}

static inline void lu2k_list_add_head(struct lu2k_list *h, struct lu2k_list *n)
{
	lu2k_list_insert_(n, h, h->next);
}

/* Unlink n and leave it pointing at itself, so a second del is harmless. */
static inline void lu2k_list_del(struct lu2k_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n;
	n->prev = n;
}

static inline bool lu2k_list_linked(const struct lu2k_list *n)
{
	return n->next != n;
}

#define lu2k_list_first(h, type, member) \
	(lu2k_list_empty(h) ? NULL : lu2k_container_of((h)->next, type, member))

#define lu2k_list_for_each_safe(pos, tmp, h) \
	for (pos = (h)->next, tmp = pos->next; pos != (h); pos = tmp, tmp = pos->next)

#define lu2k_list_for_each(pos, h) for (pos = (h)->next; pos != (h); pos = pos->next)

#endif
