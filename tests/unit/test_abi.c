/* SPDX-License-Identifier: MIT */
/*
 * The channel ABI: fixed sizes and offsets (checked at compile time, as a
 * change to any of them breaks the kernel/daemon contract), the layout
 * computed by a kernel half, and the descriptor checks of include/lu2k/desc.h.
 */
#include <stddef.h>
#include <stdlib.h>

#include "lu2k/desc.h"
#include "../t.h"

_Static_assert(sizeof(struct lu2k_nid) == 20, "lu2k_nid");
_Static_assert(sizeof(struct lu2k_ring_off) == 32, "lu2k_ring_off");
_Static_assert(sizeof(struct lu2k_setup) == 288, "lu2k_setup");
_Static_assert(offsetof(struct lu2k_setup, region_size) == 40, "setup.region_size");
_Static_assert(offsetof(struct lu2k_setup, tx) == 96, "setup.tx");
_Static_assert(sizeof(struct lu2k_region_hdr) == 64, "lu2k_region_hdr");
_Static_assert(sizeof(struct lu2k_tx_desc) == 80, "lu2k_tx_desc");
_Static_assert(offsetof(struct lu2k_tx_desc, buf_off) == 48, "tx.buf_off");
_Static_assert(sizeof(struct lu2k_cpl_desc) == 16, "lu2k_cpl_desc");
_Static_assert(sizeof(struct lu2k_rx_desc) == 56, "lu2k_rx_desc");
_Static_assert(offsetof(struct lu2k_rx_desc, buf_off) == 24, "rx.buf_off");
_Static_assert(sizeof(struct lu2k_free_desc) == 16, "lu2k_free_desc");
_Static_assert(sizeof(struct lu2k_evt_desc) == 36, "lu2k_evt_desc");
_Static_assert(sizeof(struct lu2k_attach_reply) == 32, "lu2k_attach_reply");

static struct lu2k_setup good_setup(void)
{
	struct lu2k_layout_params p = { 64, 16 * LU2K_PAGE, 16 * LU2K_PAGE };
	struct lu2k_setup s;

	memset(&s, 0, sizeof(s));
	lu2k_layout_compute(&s, &p);
	s.version = LU2K_ABI_VERSION;
	s.features = LU2K_FEAT_ALL;
	s.max_msg_size = 8 * LU2K_PAGE;
	return s;
}

static struct lu2k_nid nid4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct lu2k_nid n = { .size = 0, .type = LU2K_LND_TYPE };

	n.addr[0] = a, n.addr[1] = b, n.addr[2] = c, n.addr[3] = d;
	return n;
}

static void test_layout_is_consistent(void)
{
	struct lu2k_setup s = good_setup();

	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL), 0);
	T_EQU(s.tx_pool_off % LU2K_PAGE, 0);
	T_EQU(s.rx_pool_off, s.tx_pool_off + s.tx_pool_size);
	T_EQU(s.region_size, s.rx_pool_off + s.rx_pool_size);
	T_ASSERT(s.cpl.prod >= s.tx.desc + 64 * sizeof(struct lu2k_tx_desc));
	T_EQU(s.tx.cons - s.tx.prod, LU2K_CACHELINE);
}

static void test_setup_check_rejects(void)
{
	struct lu2k_setup s;

	s = good_setup();
	s.version = LU2K_ABI_VERSION + 1;
	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL), -71);
	s = good_setup();
	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_NEED_WAKEUP), -95);
	s = good_setup();
	s.reserved[7] = 1;
	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL), -22);
	s = good_setup();
	s.rx_pool_off = s.tx_pool_off + 4096; /* overlaps the TX pool */
	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL), -22);
	s = good_setup();
	s.rx_pool_size += 1; /* runs past the region */
	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL), -22);
	s = good_setup();
	s.evt.desc = (__u32)s.tx_pool_off; /* ring inside a pool */
	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL), -22);
	s = good_setup();
	s.cpl.entry_size = 8;
	T_EQ(lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL), -22);
}

static void test_tx_desc_check(void)
{
	struct lu2k_setup s = good_setup();
	struct lu2k_tx_desc d = { 0 }, b;

	d.cookie = 7;
	d.target = d.nexthop = nid4(10, 0, 0, 2);
	d.buf_off = s.tx_pool_off;
	d.hdr_len = 72;
	d.payload_len = 4096;
	T_EQ(lu2k_tx_desc_check(&s, &d), 0);

	b = d, b.buf_off = s.tx_pool_off + s.tx_pool_size - 100; /* runs out of the pool */
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.buf_off = s.rx_pool_off; /* wrong pool */
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.buf_off = ~0ULL - 10; /* overflow */
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.payload_len = s.max_msg_size; /* too big */
	T_EQ(lu2k_tx_desc_check(&s, &b), -90);
	b = d, b.hdr_len = LU2K_HDR_MAX + 1;
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.nexthop = nid4(10, 0, 0, 1); /* differs, not routed */
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b.flags = LU2K_TX_ROUTED;
	T_EQ(lu2k_tx_desc_check(&s, &b), 0);
	b = d, b.flags = 1U << 9;
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.reserved[1] = 3;
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.target.type = 2; /* a socklnd NID */
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.target.addr[9] = 1; /* junk past an IPv4 address */
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
	b = d, b.target.size = 12, b.nexthop.size = 12; /* IPv6 needs the feature */
	T_EQ(lu2k_tx_desc_check(&s, &b), 0);
	s.features &= ~LU2K_FEAT_IPV6;
	T_EQ(lu2k_tx_desc_check(&s, &b), -22);
}

static void test_rx_free_cpl_evt_checks(void)
{
	struct lu2k_setup s = good_setup();
	struct lu2k_rx_desc r = { 0 }, rb;
	struct lu2k_free_desc f = { 0 };
	struct lu2k_cpl_desc c = { 0 };
	struct lu2k_evt_desc e = { 0 };

	r.src = nid4(192, 0, 2, 7);
	r.buf_off = s.rx_pool_off + 4096;
	r.hdr_len = 72;
	r.payload_len = 100;
	r.alloc_len = 4096;
	T_EQ(lu2k_rx_desc_check(&s, &r), 0);
	rb = r, rb.alloc_len = 100; /* message longer than its range */
	T_EQ(lu2k_rx_desc_check(&s, &rb), -22);
	rb = r, rb.buf_off = s.tx_pool_off;
	T_EQ(lu2k_rx_desc_check(&s, &rb), -22);
	rb = r, rb.reserved0 = 1;
	T_EQ(lu2k_rx_desc_check(&s, &rb), -22);

	f.buf_off = r.buf_off, f.alloc_len = r.alloc_len;
	T_EQ(lu2k_free_desc_check(&s, &f), 0);
	f.alloc_len = (__u32)s.rx_pool_size;
	T_EQ(lu2k_free_desc_check(&s, &f), -22);

	c.status = -110;
	T_EQ(lu2k_cpl_desc_check(&c), 0);
	c.status = 1;
	T_EQ(lu2k_cpl_desc_check(&c), -22);
	c.status = -5000;
	T_EQ(lu2k_cpl_desc_check(&c), -22);

	e.type = LU2K_EVT_PEER_DOWN, e.status = -113, e.nid = nid4(10, 1, 1, 1);
	T_EQ(lu2k_evt_desc_check(&s, &e), 0);
	e.type = 99;
	T_EQ(lu2k_evt_desc_check(&s, &e), -22);
	e.type = LU2K_EVT_DETACH;
	T_EQ(lu2k_evt_desc_check(&s, &e), 0);
}

int main(void)
{
	T_RUN(test_layout_is_consistent);
	T_RUN(test_setup_check_rejects);
	T_RUN(test_tx_desc_check);
	T_RUN(test_rx_free_cpl_evt_checks);
	return t_done();
}
