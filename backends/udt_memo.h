/* SPDX-License-Identifier: MIT */
/*
 * udt_memo.h - small tables of what the udt back-end remembers per address
 * between connections (udt_paths.h: a path's rate and RTT, a listener's
 * smaller MSS; udt_tokens.h: a listener's address token). Each is an array
 * of entries that begin with a struct udtb_memo_key: the peer's address and
 * port, and, where it is part of the key, our own address (else all 0),
 * with when the entry was learnt. Searched linearly (read once per outgoing
 * connection, written once when one starts or ends); an entry expires after
 * the table's time to live, and a full table forgets its oldest.
 */
#ifndef LU2K_BACKENDS_UDT_MEMO_H
#define LU2K_BACKENDS_UDT_MEMO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct udtb_memo_key {
	struct sockaddr_storage addr;  /* ss_family 0: a free slot */
	struct sockaddr_storage local; /* all 0 where not part of the key */
	uint64_t t_ns;		       /* when it was learnt */
};

/*
 * The entry for addr (and local; NULL: none) in the n entries of size bytes
 * at tab, or NULL. One older than ttl_ns (0: every one) is forgotten on the
 * way (counted in *expired, if given) and not returned.
 */
void *udtb_memo_find(void *tab, unsigned int n, size_t size, const struct sockaddr_storage *addr,
		     const struct sockaddr_storage *local, uint64_t now_ns, uint64_t ttl_ns,
		     uint64_t *expired);
/*
 * The entry to write for addr (and local): its own, else a free one, else
 * the oldest, cleared; its key set and its time now_ns.
 */
void *udtb_memo_take(void *tab, unsigned int n, size_t size, const struct sockaddr_storage *addr,
		     const struct sockaddr_storage *local, uint64_t now_ns);
/* Forgets the entry for addr (and local), if any. */
void udtb_memo_forget(void *tab, unsigned int n, size_t size, const struct sockaddr_storage *addr,
		      const struct sockaddr_storage *local);

#endif
