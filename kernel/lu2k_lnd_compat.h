/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lu2k_lnd_compat.h - what differs between the LNet releases the glue builds
 * against. The LU2K_HAVE_* macros come from kernel/lnet-probe.sh, which reads
 * the Lustre tree's own headers (never its version number):
 *
 *   LU2K_HAVE_LND_GET_TIMEOUT  struct lnet_lnd has lnd_get_timeout (2.17)
 *   LU2K_HAVE_LND_RECV_ITER    lnd_recv takes a struct iov_iter (master)
 *   LU2K_HAVE_LINUX_LNET       LNet's headers live in include/linux/lnet (master)
 *
 * Nothing else in the glue tests a release.
 */
#ifndef _LU2K_LND_COMPAT_H
#define _LU2K_LND_COMPAT_H

#include <linux/uio.h>
#ifdef LU2K_HAVE_LINUX_LNET
#include <linux/lnet/lib-lnet.h>
#else
#include <lnet/lib-lnet.h>
#endif

#ifndef ITER_SOURCE
#define ITER_SOURCE	WRITE
#define ITER_DEST	READ
#endif

int lu2k_lnd_recv_to(struct lnet_ni *lni, void *private, struct lnet_msg *msg,
		     struct iov_iter *to, unsigned int mlen);

#ifdef LU2K_HAVE_LND_RECV_ITER
/* The payload arrives as an iterator of mlen bytes, already at its offset. */
static inline int lu2k_lnd_recv(struct lnet_ni *lni, void *private, struct lnet_msg *msg,
				int delayed, struct iov_iter *to, unsigned int rlen)
{
	return lu2k_lnd_recv_to(lni, private, msg, to, to ? iov_iter_count(to) : 0);
}
#else
static inline int lu2k_lnd_recv(struct lnet_ni *lni, void *private, struct lnet_msg *msg,
				int delayed, unsigned int niov, struct bio_vec *kiov,
				unsigned int offset, unsigned int mlen, unsigned int rlen)
{
	struct iov_iter to;

	if (!mlen)
		return lu2k_lnd_recv_to(lni, private, msg, NULL, 0);
	iov_iter_bvec(&to, ITER_DEST, kiov, niov, offset + mlen);
	iov_iter_advance(&to, offset);
	return lu2k_lnd_recv_to(lni, private, msg, &to, mlen);
}
#endif

#ifdef LU2K_HAVE_LND_GET_TIMEOUT
int lu2k_lnd_get_timeout(void);
#define LU2K_LND_OPS_TIMEOUT	.lnd_get_timeout = lu2k_lnd_get_timeout,
#else
#define LU2K_LND_OPS_TIMEOUT
#endif

#endif /* _LU2K_LND_COMPAT_H */
