// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_lnd.c - lu2klnd as an LND: which LNet type it registers, the LNet
 * tunables it fills in, and the NI's life (lnd_startup / lnd_shutdown).
 *
 * The type. lnet_register_lnd() asserts that LNet's name table knows the
 * type and that no driver has it yet; either failure is an LBUG. So the
 * module checks both itself and refuses to load with a message instead:
 *   lnd_type=gip   (default) works with an unmodified LNet: a name that LNet's
 *                  kernel and user-space tables know (IPv4 addresses) and that
 *                  no in-tree driver of an ordinary host registers.
 *   lnd_type=lu2k  needs an LNet whose tables have "lu2k" (added by
 *                  scripts/lnet-add-lu2k-type); IPv6 NIDs too.
 * doc/lnet.md has the trade-off.
 *
 * The tunables. LNet holds a credit per message until lnet_finalize(), which
 * for lu2k is once the peer's daemon has it: at least one round trip. One
 * peer can fill rate x RTT / message size credits, 75 for 1 Gbit/s at 600 ms
 * with 1 MiB messages: peer_credits 128 (LNet's default is 8: 13 MiB/s at
 * 600 ms). LNet's caps are kept below the channel's (credits, peer_credits of
 * lu2k_main.c), so that the channel never refuses what LNet allows.
 */
#define pr_fmt(fmt) "lu2klnd: " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include "lu2k_internal.h"
#include "lu2k_lnd.h"

struct lu2k_lnd_tunables lu2k_lnd_tun = {
	.credits		= 512,
	.peer_credits		= 128,
	.peer_buffer_credits	= 0,
	.peer_timeout		= 180,
	.timeout		= 0,
};

static char *lnd_type = "gip";
module_param(lnd_type, charp, 0444);
MODULE_PARM_DESC(lnd_type, "LNet network type to serve: gip (unmodified LNet, default) or lu2k");
module_param_named(lnet_credits, lu2k_lnd_tun.credits, int, 0644);
MODULE_PARM_DESC(lnet_credits, "LNet credits per NI when lnetctl sets none (512)");
module_param_named(lnet_peer_credits, lu2k_lnd_tun.peer_credits, int, 0644);
MODULE_PARM_DESC(lnet_peer_credits, "LNet credits per peer when lnetctl sets none (128)");
module_param_named(peer_buffer_credits, lu2k_lnd_tun.peer_buffer_credits, int, 0644);
MODULE_PARM_DESC(peer_buffer_credits, "LNet router buffer credits per peer (0: as peer credits)");
module_param_named(peer_timeout, lu2k_lnd_tun.peer_timeout, int, 0644);
MODULE_PARM_DESC(peer_timeout, "seconds without news before LNet deems a peer dead (180)");
module_param_named(timeout, lu2k_lnd_tun.timeout, int, 0644);
MODULE_PARM_DESC(timeout, "seconds a message may take (0: LNet's lnd_timeout)");

/* Drivers that LNet ships for ordinary hosts: taking their type would LBUG them. */
static const char * const lu2k_lnd_taken[] = { "lo", "tcp", "o2ib", "kfi", "efa" };

#ifdef LU2K_HAVE_LND_GET_TIMEOUT
int lu2k_lnd_get_timeout(void)
{
	return lu2k_lnd_timeout_s();
}
#endif

static void lu2k_lnd_tunables_setup(struct lnet_ni *lni)
{
	struct lnet_ioctl_config_lnd_cmn_tunables *t = &lni->ni_net->net_tunables;
	int max_cr = min_t(int, lu2k_tun.credits, lu2k_tun.ring_entries);
	int max_peer = lu2k_tun.peer_credits;

	if (t->lct_peer_timeout == -1)
		t->lct_peer_timeout = lu2k_lnd_tun.peer_timeout;
	if (t->lct_max_tx_credits == -1)
		t->lct_max_tx_credits = lu2k_lnd_tun.credits;
	if (t->lct_peer_tx_credits == -1)
		t->lct_peer_tx_credits = lu2k_lnd_tun.peer_credits;
	if (t->lct_peer_rtr_credits == -1)
		t->lct_peer_rtr_credits = lu2k_lnd_tun.peer_buffer_credits;
	if (t->lct_max_tx_credits > max_cr) {
		pr_warn("%s: credits %d above the channel's %d (module parameter credits): using %d\n",
			libcfs_nidstr(&lni->ni_nid), t->lct_max_tx_credits, max_cr, max_cr);
		t->lct_max_tx_credits = max_cr;
	}
	if (t->lct_peer_tx_credits > max_peer) {
		pr_warn("%s: peer_credits %d above the channel's %d (module parameter peer_credits): using %d\n",
			libcfs_nidstr(&lni->ni_nid), t->lct_peer_tx_credits, max_peer, max_peer);
		t->lct_peer_tx_credits = max_peer;
	}
	if (t->lct_max_tx_credits < 1)
		t->lct_max_tx_credits = 1;
	t->lct_peer_tx_credits = clamp(t->lct_peer_tx_credits, 1, t->lct_max_tx_credits);
}

/* The NI's address: the --if interface's (or the --nid address, if up). */
static int lu2k_lnd_pick_address(struct lnet_ni *lni)
{
	/* gip's user-space tables parse IPv4 only */
	bool v6 = the_lnet.ln_nis_use_large_nids && !strcmp(lnd_type, "lu2k");
	struct lnet_inetdev *ifaces = NULL;
	int n, i, rc = 0;

	n = lnet_inet_enumerate(&ifaces, lni->ni_net_ns, v6);
	if (n < 0) {
		pr_err("%s: cannot list the network interfaces: %d\n", lnd_type, n);
		return n;
	}
	if (n == 0) {
		pr_err("%s: no network interface is up\n", lnd_type);
		rc = -ENETDOWN;
		goto out;
	}
	i = lnet_inet_select(lni, ifaces, n);
	if (i < 0) {
		rc = -ENETDOWN;	/* lnet_inet_select said which */
		goto out;
	}
	/*
	 * LNet lists IPv6 addresses either way (v6 only puts them first), so an
	 * interface with no IPv4 address would give an IPv6 NID that a
	 * borrowed type's tables, or an LNet without large NIDs, cannot carry.
	 */
	if (ifaces[i].li_size == sizeof(struct in6_addr) && !v6) {
		if (strcmp(lnd_type, "lu2k"))
			pr_err("%s: %s has no IPv4 address, and the borrowed type %s carries IPv4 NIDs only: IPv6 NIDs need the lu2k type (scripts/lnet-add-lu2k-type, lnd_type=lu2k)\n",
			       lnd_type, ifaces[i].li_name, lnd_type);
		else
			pr_err("%s: %s has only IPv6 addresses: start LNet with large NIDs (lnetctl lnet configure --large)\n",
			       lnd_type, ifaces[i].li_name);
		rc = -EAFNOSUPPORT;
		goto out;
	}
	if (!lni->ni_interface || !strlen(lni->ni_interface))
		lnet_ni_add_interface(lni, ifaces[i].li_name);
	if (ifaces[i].li_size == sizeof(struct in6_addr)) {
		lni->ni_nid.nid_size = sizeof(struct in6_addr) - 4;
		memcpy(lni->ni_nid.nid_addr, ifaces[i].li_ipv6addr, sizeof(struct in6_addr));
	} else {
		lni->ni_nid.nid_size = 0;
		/* LNet keeps the address in network order in a plain u32 */
		lni->ni_nid.nid_addr[0] = (__force __be32)ifaces[i].li_ipaddr;
	}
	lni->ni_dev_cpt = ifaces[i].li_cpt;
out:
	kfree(ifaces);
	return rc;
}

static int lu2k_lnd_startup(struct lnet_ni *lni)
{
	struct lu2k_nid nid;
	struct lu2k_ni *ni;
	int rc;

	/* LNet does not pin an LND: a running NI does (put in lnd_shutdown). */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	rc = lu2k_lnd_pick_address(lni);
	if (rc)
		goto fail;
	lu2k_lnd_tunables_setup(lni);
	lu2k_lnd_nid_to_chan(&lni->ni_nid, &nid);
	ni = lu2k_ni_create(&nid, &lu2k_lnd_ni_ops, lni);
	if (IS_ERR(ni)) {
		rc = PTR_ERR(ni);
		pr_err("%s: cannot create the interface: %d\n", libcfs_nidstr(&lni->ni_nid), rc);
		goto fail;
	}
	lni->ni_data = ni;
	pr_info("%s: up (credits %d, peer_credits %d, timeout %u s)%s\n",
		libcfs_nidstr(&lni->ni_nid), lni->ni_net->net_tunables.lct_max_tx_credits,
		lni->ni_net->net_tunables.lct_peer_tx_credits, lu2k_lnd_timeout_s(),
		lu2k_ni_attached(ni) ? "" : "; waiting for lu2kd");
	return 0;
fail:
	module_put(THIS_MODULE);
	return rc;
}

static void lu2k_lnd_shutdown(struct lnet_ni *lni)
{
	struct lu2k_ni *ni = lni->ni_data;

	if (!ni)
		return;
	/* Fails (and finalizes) whatever is still in flight, once. */
	lu2k_ni_destroy(ni);
	lni->ni_data = NULL;
	pr_info("%s: down\n", libcfs_nidstr(&lni->ni_nid));
	module_put(THIS_MODULE);
}

static int lu2k_lnd_ctl(struct lnet_ni *lni, unsigned int cmd, void *arg)
{
	return -EINVAL;
}

struct lnet_lnd lu2k_lnd = {
	.lnd_startup	= lu2k_lnd_startup,
	.lnd_shutdown	= lu2k_lnd_shutdown,
	.lnd_ctl	= lu2k_lnd_ctl,
	.lnd_send	= lu2k_lnd_send,
	.lnd_recv	= lu2k_lnd_recv,
	LU2K_LND_OPS_TIMEOUT
};

/* Register only a type that cannot LBUG: known to LNet, not taken. */
int lu2k_lnd_init(void)
{
	const struct lnet_lnd *holder;
	int type, i;

	type = libcfs_str2lnd(lnd_type);
	if (type < 0 || !libcfs_isknown_lnd(type)) {
		pr_err("lnd_type=%s: this LNet has no network type of that name%s\n", lnd_type,
		       strcmp(lnd_type, "lu2k") ? "" :
		       " (rebuild LNet after scripts/lnet-add-lu2k-type, or use lnd_type=gip)");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(lu2k_lnd_taken); i++) {
		if (type == libcfs_str2lnd(lu2k_lnd_taken[i])) {
			pr_err("lnd_type=%s belongs to one of LNet's own drivers: use gip or lu2k\n",
			       lnd_type);
			return -EINVAL;
		}
	}
	mutex_lock(&the_lnet.ln_lnd_mutex);
	holder = the_lnet.ln_lnds[type];
	mutex_unlock(&the_lnet.ln_lnd_mutex);
	if (holder) {
		pr_err("lnd_type=%s: another driver already serves it\n", lnd_type);
		return -EBUSY;
	}
	lu2k_lnd.lnd_type = type;
	lnet_register_lnd(&lu2k_lnd);
	pr_info("LND for LNet type %s (%d)\n", lnd_type, type);
	return 0;
}

void lu2k_lnd_exit(void)
{
	lnet_unregister_lnd(&lu2k_lnd);
}
