// SPDX-License-Identifier: MIT
/*
 * losslist.c - sorted range set of sequence numbers (UDT loss lists).
 */
#include "losslist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seq.h"

int udt_loss_init(struct udt_losslist *l, size_t cap_hint)
{
	memset(l, 0, sizeof(*l));
	l->cap = cap_hint ? cap_hint : 64;
	l->cap0 = l->cap;
	l->r = malloc(l->cap * sizeof(*l->r));
	return l->r ? 0 : -ENOMEM;
}

void udt_loss_free(struct udt_losslist *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

void udt_loss_clear(struct udt_losslist *l)
{
	l->head = l->n = 0;
	l->count = 0;
}

size_t udt_loss_trim(struct udt_losslist *l)
{
	size_t ncap = l->cap0;
	struct udt_lrange *nr;

	while (ncap < 2 * l->n)
		ncap *= 2;
	if (ncap >= l->cap)
		return 0;
	nr = malloc(ncap * sizeof(*nr));
	if (!nr)
		return 0;
	if (l->n)
		memcpy(nr, l->r + l->head, l->n * sizeof(*nr));
	free(l->r);
	l->r = nr;
	l->head = 0;
	ncap = l->cap - ncap;
	l->cap -= ncap;
	return ncap * sizeof(*nr);
}

static inline struct udt_lrange *at(const struct udt_losslist *l, size_t i)
{
	return &l->r[l->head + i];
}

/* Index of the first range whose last number is >= seq (n if none). */
static size_t lower(const struct udt_losslist *l, uint32_t seq)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (udt_seq_cmp(at(l, mid)->last, seq) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Makes room for k new ranges at index i (0 <= i <= n). */
static int open_gap(struct udt_losslist *l, size_t i, size_t k)
{
	if (l->head + l->n + k > l->cap) {
		if ((l->n + k) * 4 <= l->cap * 3) {
			/* plenty of room once the taken head is reclaimed */
			memmove(l->r, l->r + l->head, l->n * sizeof(*l->r));
			l->head = 0;
		} else {
			size_t ncap = l->cap * 2;
			struct udt_lrange *nr;

			while (ncap < l->n + k)
				ncap *= 2;
			nr = malloc(ncap * sizeof(*nr));
			if (!nr)
				return -ENOMEM;
			memcpy(nr, l->r + l->head, l->n * sizeof(*nr));
			free(l->r);
			l->r = nr;
			l->cap = ncap;
			l->head = 0;
		}
	}
	/* move whichever side of the gap is shorter */
	if (l->head >= k && i < l->n - i) {
		memmove(l->r + l->head - k, l->r + l->head, i * sizeof(*l->r));
		l->head -= k;
	} else {
		memmove(at(l, i + k), at(l, i), (l->n - i) * sizeof(*l->r));
	}
	l->n += k;
	return 0;
}

static void close_gap(struct udt_losslist *l, size_t i, size_t k)
{
	/* move whichever side of the gap is shorter */
	if (i < l->n - i - k) {
		memmove(l->r + l->head + k, l->r + l->head, i * sizeof(*l->r));
		l->head += k;
	} else {
		memmove(at(l, i), at(l, i + k), (l->n - i - k) * sizeof(*l->r));
	}
	l->n -= k;
	if (l->n == 0)
		l->head = 0;
}

int64_t udt_loss_insert(struct udt_losslist *l, uint32_t first, uint32_t last)
{
	size_t i, j;
	uint64_t covered = 0, added;
	uint32_t nf = first, nl = last;

	if (udt_seq_cmp(first, last) > 0)
		return 0;
	/* fast path: append after the last range */
	if (l->n == 0 || udt_seq_cmp(first, udt_seq_inc(at(l, l->n - 1)->last)) > 0) {
		if (open_gap(l, l->n, 1))
			return -ENOMEM;
		*at(l, l->n - 1) = (struct udt_lrange){ .first = first, .last = last };
		added = udt_seq_len(first, last);
		l->count += added;
		return (int64_t)added;
	}
	/* ranges i .. j-1 overlap or touch [first, last] */
	i = lower(l, udt_seq_dec(first));
	for (j = i; j < l->n && udt_seq_cmp(at(l, j)->first, udt_seq_inc(last)) <= 0; j++)
		covered += udt_seq_len(at(l, j)->first, at(l, j)->last);
	if (i == j) {
		if (open_gap(l, i, 1))
			return -ENOMEM;
		*at(l, i) = (struct udt_lrange){ 0 };
	} else {
		if (udt_seq_cmp(at(l, i)->first, nf) < 0)
			nf = at(l, i)->first;
		if (udt_seq_cmp(at(l, j - 1)->last, nl) > 0)
			nl = at(l, j - 1)->last;
		if (j - i > 1)
			close_gap(l, i + 1, j - i - 1);
	}
	at(l, i)->first = nf;
	at(l, i)->last = nl;
	added = udt_seq_len(nf, nl) - covered;
	l->count += added;
	return (int64_t)added;
}

int64_t udt_loss_remove_range(struct udt_losslist *l, uint32_t first, uint32_t last)
{
	size_t i, j;
	uint64_t removed = 0;

	if (l->n == 0 || udt_seq_cmp(first, last) > 0)
		return 0;
	i = lower(l, first);
	if (i >= l->n)
		return 0;
	/* one range strictly containing [first, last]: split it */
	if (udt_seq_cmp(at(l, i)->first, first) < 0 && udt_seq_cmp(at(l, i)->last, last) > 0) {
		uint32_t end = at(l, i)->last;

		if (open_gap(l, i + 1, 1))
			return -ENOMEM;
		*at(l, i + 1) = *at(l, i);
		at(l, i)->last = udt_seq_dec(first);
		at(l, i + 1)->first = udt_seq_inc(last);
		at(l, i + 1)->last = end;
		removed = udt_seq_len(first, last);
		l->count -= removed;
		return (int64_t)removed;
	}
	/* trim the head of range i if it starts before first */
	if (udt_seq_cmp(at(l, i)->first, first) < 0) {
		removed += udt_seq_len(first, at(l, i)->last);
		at(l, i)->last = udt_seq_dec(first);
		i++;
	}
	/* drop every range wholly inside, trim the one that sticks out */
	for (j = i; j < l->n && udt_seq_cmp(at(l, j)->last, last) <= 0; j++)
		removed += udt_seq_len(at(l, j)->first, at(l, j)->last);
	if (j < l->n && udt_seq_cmp(at(l, j)->first, last) <= 0) {
		removed += udt_seq_len(at(l, j)->first, last);
		at(l, j)->first = udt_seq_inc(last);
	}
	if (j > i)
		close_gap(l, i, j - i);
	l->count -= removed;
	return (int64_t)removed;
}

int udt_loss_remove(struct udt_losslist *l, uint32_t seq)
{
	return (int)udt_loss_remove_range(l, seq, seq);
}

int64_t udt_loss_remove_upto(struct udt_losslist *l, uint32_t seq)
{
	if (l->n == 0 || udt_seq_cmp(at(l, 0)->first, seq) > 0)
		return 0;
	return udt_loss_remove_range(l, at(l, 0)->first, seq);
}

int udt_loss_contains(const struct udt_losslist *l, uint32_t seq)
{
	size_t i = lower(l, seq);

	return i < l->n && udt_seq_cmp(at(l, i)->first, seq) <= 0;
}

struct udt_lrange *udt_loss_find(const struct udt_losslist *l, uint32_t seq)
{
	size_t i = lower(l, seq);

	return i < l->n && udt_seq_cmp(at(l, i)->first, seq) <= 0 ? at(l, i) : NULL;
}

int udt_loss_first(const struct udt_losslist *l, uint32_t *seq)
{
	if (l->n == 0)
		return 0;
	*seq = at(l, 0)->first;
	return 1;
}

int udt_loss_pop(struct udt_losslist *l, uint32_t *seq)
{
	struct udt_lrange *r;

	if (l->n == 0)
		return 0;
	r = at(l, 0);
	*seq = r->first;
	if (r->first == r->last)
		close_gap(l, 0, 1);
	else
		r->first = udt_seq_inc(r->first);
	l->count--;
	return 1;
}
