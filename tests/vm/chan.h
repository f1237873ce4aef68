/* SPDX-License-Identifier: MIT */
/*
 * chan.h - the daemon's side of /dev/lu2k for the VM test programs
 * (chan-loop, chan-evil): attach, map, bind the rings the way lu2kd does.
 */
#ifndef LU2K_TESTS_VM_CHAN_H
#define LU2K_TESTS_VM_CHAN_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lu2k/desc.h"

struct chan {
	int fd;
	struct lu2k_setup s;
	unsigned char *mem;
	struct lu2k_ring tx, cpl, rx, free, evt;
};

/*
 * Open dev, set up for nid (NULL: any free interface) offering the features,
 * map and bind. 0 or -errno.
 */
static inline int chan_attach(struct chan *c, const char *dev, const struct lu2k_nid *nid,
			      __u32 features)
{
	struct lu2k_setup in;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	memset(&in, 0, sizeof(in));
	in.version = LU2K_ABI_VERSION;
	in.features = features;
	if (nid)
		in.nid = *nid;
	if (ioctl(c->fd, LU2K_IOC_SETUP, &in) < 0) {
		rc = -errno;
		goto fail;
	}
	c->s = in;
	rc = lu2k_setup_check(&c->s, LU2K_ABI_VERSION, features);
	if (rc)
		goto fail;
	c->mem = mmap(NULL, c->s.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
		      LU2K_MMAP_REGION);
	if (c->mem == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	if (((struct lu2k_region_hdr *)c->mem)->magic != LU2K_REGION_MAGIC) {
		rc = -EPROTO;
		goto fail;
	}
	rc = lu2k_ring_bind(&c->tx, c->mem, c->s.region_size, &c->s.tx,
			    sizeof(struct lu2k_tx_desc));
	rc = rc
		     ?: lu2k_ring_bind(&c->cpl, c->mem, c->s.region_size, &c->s.cpl,
				       sizeof(struct lu2k_cpl_desc));
	rc = rc
		     ?: lu2k_ring_bind(&c->rx, c->mem, c->s.region_size, &c->s.rx,
				       sizeof(struct lu2k_rx_desc));
	rc = rc
		     ?: lu2k_ring_bind(&c->free, c->mem, c->s.region_size, &c->s.free,
				       sizeof(struct lu2k_free_desc));
	rc = rc
		     ?: lu2k_ring_bind(&c->evt, c->mem, c->s.region_size, &c->s.evt,
				       sizeof(struct lu2k_evt_desc));
	if (rc)
		goto fail;
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return rc;
}

/* Wake the kernel if it asked for it (or always, to be simple: kicks are cheap here). */
static inline int chan_kick(struct chan *c)
{
	return ioctl(c->fd, LU2K_IOC_KICK) < 0 ? -errno : 0;
}

#endif
