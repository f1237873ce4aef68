// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_main.c - module parameters and module init/exit of lu2klnd.ko.
 *
 * The parameters are read when a daemon attaches, so a change through sysfs
 * applies to the next attachment. Defaults (doc/kernel.md has the reasoning):
 * a 600 ms link at 50 Mbit/s holds 3.75 MB in flight, so 256 messages per
 * peer and 1024 in all keep it busy even with 16 KiB messages. A message
 * holds its TX range until the peer daemon has it (one RTT at least): 128 MiB
 * keeps 1 Gbit/s at 600 ms busy (75 MB in flight); the receiving side only
 * holds a message until LNet copies it out, 64 MiB.
 */
#define pr_fmt(fmt) "lu2k: " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include "lu2k_internal.h"

struct lu2k_tunables lu2k_tun = {
	.credits		= 1024,
	.peer_credits		= 256,
	.timeout_ms		= 60000,
	.timeout_grace_ms	= LU2K_DEF_TIMEOUT_GRACE_MS,
	.ring_entries		= 1024,
	.tx_pool_mb		= 128,
	.rx_pool_mb		= 64,
	.max_msg_size		= (4U << 20) + LU2K_HDR_MAX,
};

module_param_named(credits, lu2k_tun.credits, uint, 0644);
MODULE_PARM_DESC(credits, "messages in flight per interface");
module_param_named(peer_credits, lu2k_tun.peer_credits, uint, 0644);
MODULE_PARM_DESC(peer_credits, "messages in flight per peer (next hop)");
module_param_named(timeout_ms, lu2k_tun.timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "default message timeout given to the daemon (ms)");
module_param_named(timeout_grace_ms, lu2k_tun.timeout_grace_ms, uint, 0644);
MODULE_PARM_DESC(timeout_grace_ms, "extra time before the kernel fails a message itself (ms)");
module_param_named(ring_entries, lu2k_tun.ring_entries, uint, 0644);
MODULE_PARM_DESC(ring_entries, "descriptors per ring (power of two)");
module_param_named(tx_pool_mb, lu2k_tun.tx_pool_mb, uint, 0644);
MODULE_PARM_DESC(tx_pool_mb, "TX buffer pool per interface (MiB)");
module_param_named(rx_pool_mb, lu2k_tun.rx_pool_mb, uint, 0644);
MODULE_PARM_DESC(rx_pool_mb, "RX buffer pool per interface (MiB)");
module_param_named(max_msg_size, lu2k_tun.max_msg_size, uint, 0644);
MODULE_PARM_DESC(max_msg_size, "largest message, header included (bytes)");

struct kmem_cache *lu2k_tx_cache;
struct kmem_cache *lu2k_rx_cache;

static int __init lu2k_init(void)
{
	int rc = -ENOMEM;

	lu2k_tx_cache = KMEM_CACHE(lu2k_tx, 0);
	lu2k_rx_cache = KMEM_CACHE(lu2k_rx, 0);
	if (!lu2k_tx_cache || !lu2k_rx_cache)
		goto fail;
	rc = lu2k_chan_register();
	if (rc)
		goto fail;
	rc = lu2k_lnd_init();
	if (rc)
		goto fail_chan;
	pr_info("channel ABI %d on /dev/lu2k\n", LU2K_ABI_VERSION);
	return 0;
fail_chan:
	lu2k_chan_unregister();
fail:
	kmem_cache_destroy(lu2k_rx_cache);
	kmem_cache_destroy(lu2k_tx_cache);
	return rc;
}

static void __exit lu2k_exit(void)
{
	lu2k_lnd_exit();
	lu2k_chan_unregister();
	kmem_cache_destroy(lu2k_rx_cache);
	kmem_cache_destroy(lu2k_tx_cache);
}

module_init(lu2k_init);
module_exit(lu2k_exit);
MODULE_DESCRIPTION("lu2k LNet driver: kernel half and /dev/lu2k channel");
MODULE_LICENSE("GPL");
