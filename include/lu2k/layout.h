/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * layout.h - how a kernel half (module or liblu2k) lays out a channel region,
 * and the checks both sides apply to a struct lu2k_setup. One source for the
 * kernel and user space.
 */
#ifndef _LU2K_LAYOUT_H
#define _LU2K_LAYOUT_H

#include "ring.h"

#define LU2K_CACHELINE		64
#define LU2K_PAGE		4096

/* Sizes a kernel half chooses (module parameters / liblu2k options). */
struct lu2k_layout_params {
	__u32	ring_entries;	/* per ring, power of two */
	__u64	tx_pool_size;	/* bytes, multiple of LU2K_PAGE */
	__u64	rx_pool_size;	/* bytes, multiple of LU2K_PAGE */
};

static inline __u64 lu2k_align(__u64 v, __u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Place one ring at *pos: three index words on their own cache lines. */
static inline void lu2k_layout_ring(struct lu2k_ring_off *o, __u64 *pos, __u32 entries,
				    __u32 entry_size)
{
	*pos = lu2k_align(*pos, LU2K_CACHELINE);
	o->prod = (__u32)*pos;
	o->cons = (__u32)(*pos + LU2K_CACHELINE);
	o->flags = (__u32)(*pos + 2 * LU2K_CACHELINE);
	o->desc = (__u32)(*pos + 3 * LU2K_CACHELINE);
	o->entries = entries;
	o->entry_size = entry_size;
	o->reserved[0] = 0;
	o->reserved[1] = 0;
	*pos = o->desc + (__u64)entries * entry_size;
}

/*
 * Fill the "out" layout fields of s from p. Returns 0, or -EINVAL when the
 * parameters are unusable (rings must stay inside the first 4 GiB since
 * their offsets are __u32).
 */
static inline int lu2k_layout_compute(struct lu2k_setup *s, const struct lu2k_layout_params *p)
{
	__u64 pos = sizeof(struct lu2k_region_hdr);

	if (p->ring_entries < 2 || (p->ring_entries & (p->ring_entries - 1)) ||
	    p->ring_entries > (1U << 20) || !p->tx_pool_size || !p->rx_pool_size ||
	    p->tx_pool_size % LU2K_PAGE || p->rx_pool_size % LU2K_PAGE)
		return -22;
	lu2k_layout_ring(&s->tx, &pos, p->ring_entries, sizeof(struct lu2k_tx_desc));
	lu2k_layout_ring(&s->cpl, &pos, p->ring_entries, sizeof(struct lu2k_cpl_desc));
	lu2k_layout_ring(&s->rx, &pos, p->ring_entries, sizeof(struct lu2k_rx_desc));
	lu2k_layout_ring(&s->free, &pos, p->ring_entries, sizeof(struct lu2k_free_desc));
	lu2k_layout_ring(&s->evt, &pos, p->ring_entries, sizeof(struct lu2k_evt_desc));
	s->tx_pool_off = lu2k_align(pos, LU2K_PAGE);
	s->tx_pool_size = p->tx_pool_size;
	s->rx_pool_off = s->tx_pool_off + s->tx_pool_size;
	s->rx_pool_size = p->rx_pool_size;
	s->region_size = s->rx_pool_off + s->rx_pool_size;
	return 0;
}

static inline bool lu2k_range_in(__u64 off, __u64 len, __u64 base, __u64 size)
{
	return off >= base && len <= size && off - base <= size - len;
}

/*
 * The daemon's check of a setup answer before it maps anything: the version
 * and features must be what it asked for or less, reserved fields zero, and
 * the rings and pools inside the region and apart from each other.
 */
static inline int lu2k_setup_check(const struct lu2k_setup *s, __u32 my_version,
				   __u32 my_features)
{
	const struct lu2k_ring_off *rings[5] = { &s->tx, &s->cpl, &s->rx, &s->free, &s->evt };
	static const __u32 esz[5] = {
		sizeof(struct lu2k_tx_desc), sizeof(struct lu2k_cpl_desc),
		sizeof(struct lu2k_rx_desc), sizeof(struct lu2k_free_desc),
		sizeof(struct lu2k_evt_desc),
	};
	__u64 rings_end = sizeof(struct lu2k_region_hdr);
	int i;

	if (s->version == 0 || s->version > my_version)
		return -EPROTO;
	if (s->features & ~my_features)
		return -EOPNOTSUPP;
	if (s->flags || s->reserved0 || s->reserved1)
		return -22;
	for (i = 0; i < 8; i++)
		if (s->reserved[i])
			return -22;
	for (i = 0; i < 5; i++) {
		const struct lu2k_ring_off *o = rings[i];
		__u64 end = (__u64)o->desc + (__u64)o->entries * esz[i];

		if (o->entry_size != esz[i] || !o->entries || (o->entries & (o->entries - 1)) ||
		    o->prod < sizeof(struct lu2k_region_hdr) || end > s->tx_pool_off)
			return -22;
		if (end > rings_end)
			rings_end = end;
	}
	if (!s->tx_pool_size || !s->rx_pool_size || s->tx_pool_off < rings_end ||
	    !lu2k_range_in(s->tx_pool_off, s->tx_pool_size, 0, s->region_size) ||
	    !lu2k_range_in(s->rx_pool_off, s->rx_pool_size, 0, s->region_size) ||
	    (s->rx_pool_off < s->tx_pool_off + s->tx_pool_size &&
	     s->tx_pool_off < s->rx_pool_off + s->rx_pool_size))
		return -22;
	if (s->max_msg_size < LU2K_HDR_MAX)
		return -22;
	return 0;
}

#endif /* _LU2K_LAYOUT_H */
