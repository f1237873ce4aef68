/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lu2k_lnd.h - the LNet glue of lu2klnd.ko: struct lnet_lnd on the module's
 * internal API (lu2k_api.h). Built only against a Lustre tree (make LUSTRE=).
 *
 * One LNet NI is one lu2k interface (struct lu2k_ni, in ni_data); the
 * interface's priv is the LNet NI. NIDs cross the channel with lu2k's own
 * channel type (LU2K_LND_TYPE) whatever type LNet knows the network by
 * (lnd_type, e.g. "gip" on an unmodified LNet): the glue swaps the type byte
 * each way, the rest of a NID has the same layout in both.
 */
#ifndef _LU2K_LND_H
#define _LU2K_LND_H

#include "lu2k_lnd_compat.h"
#include "lu2k_api.h"

/* The LNet-facing tunables (module parameters, lu2k_lnd.c). */
struct lu2k_lnd_tunables {
	int	credits;		/* LNet's max_tx_credits, per NI */
	int	peer_credits;		/* LNet's peer_tx_credits */
	int	peer_buffer_credits;	/* LNet's peer_rtr_credits (0: peer_credits) */
	int	peer_timeout;		/* LNet's peer_timeout, s */
	int	timeout;		/* per message, s; 0: LNet's LND timeout */
};

extern struct lu2k_lnd_tunables lu2k_lnd_tun;
extern struct lnet_lnd lu2k_lnd;

/* lu2k_lnd_cb.c */
extern const struct lu2k_ni_ops lu2k_lnd_ni_ops;
int lu2k_lnd_send(struct lnet_ni *lni, void *private, struct lnet_msg *msg);
void lu2k_lnd_nid_to_chan(const struct lnet_nid *in, struct lu2k_nid *out);
unsigned int lu2k_lnd_timeout_s(void);

#endif /* _LU2K_LND_H */
