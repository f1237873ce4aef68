/* SPDX-License-Identifier: MIT */
/*
 * mpath_addr.c - a channel's other addresses for multipath (mpath.h): the
 * LOCAL addresses of path lines and those discovery tells are listened on
 * beside the NID's; which channel an address of ours belongs to; and
 * whether a hello's source address is one of the peer's own.
 */
#include <string.h>

#include "common/log.h"
#include "common/nid.h"
#include "core.h"
#include "mpath.h"
#include "mpath_disc.h"

static bool same_net(const struct lu2k_nid *a, const struct lu2k_nid *b)
{
	return a->type == b->type && a->num == b->num;
}

void lu2kd_mpath_listen(struct lu2kd *d, struct lu2kd_chan *ch)
{
	char nid[LU2K_NID_STRLEN];
	struct lu2k_be_addrs ours;

	if (!d->cfg.multipath)
		return;
	/* the LOCAL addresses of path lines, then the ones we tell (discovery) */
	lu2kd_disc_ours(d, ch, &ours);
	lu2kd_disc_warn_family(d, ch);
	for (unsigned int k = 0; k < d->cfg.npaths + ours.n; k++) {
		const struct lu2k_nid *l =
			k < d->cfg.npaths ? &d->cfg.paths[k].local : &ours.nid[k - d->cfg.npaths];
		bool have = lu2k_nid_eq(l, &ch->nid);
		int rc;

		if (!same_net(l, &ch->nid))
			continue;
		for (unsigned int i = 0; i < ch->nalt && !have; i++)
			have = lu2k_nid_eq(&ch->alt_nids[i], l);
		if (have || ch->nalt == LU2KD_MAX_PATHS)
			continue;
		rc = d->be_ops->listen(d->be, l, (uint16_t)d->cfg.port,
				       &ch->alt_listeners[ch->nalt]);
		if (rc) {
			LOG_WARN("channel %u: cannot listen on %s for multipath: %s", ch->id,
				 lu2k_nid_format(l, nid, sizeof(nid)), strerror(-rc));
			continue;
		}
		ch->alt_nids[ch->nalt++] = *l;
	}
}

void lu2kd_mpath_unlisten(struct lu2kd *d, struct lu2kd_chan *ch)
{
	for (unsigned int i = 0; i < ch->nalt; i++)
		d->be_ops->unlisten(ch->alt_listeners[i]);
	ch->nalt = 0;
}

struct lu2kd_chan *lu2kd_mpath_chan_by_alias(struct lu2kd *d, const struct lu2k_nid *dst)
{
	struct lu2k_list *pos;

	lu2k_list_for_each(pos, &d->chans)
	{
		struct lu2kd_chan *ch = lu2k_container_of(pos, struct lu2kd_chan, link);

		for (unsigned int i = 0; i < ch->nalt; i++)
			if (!ch->dead && lu2k_nid_eq(&ch->alt_nids[i], dst))
				return ch;
	}
	return NULL;
}

bool lu2kd_mpath_is_peer_addr(struct lu2kd *d, struct lu2kd_chan *ch, const struct lu2k_nid *nid,
			      const struct sockaddr_storage *from)
{
	struct lu2k_nid f;

	if (!d->cfg.multipath ||
	    lu2k_nid_from_sockaddr((const struct sockaddr *)from, lu2k_nid_net(nid), &f))
		return false;
	/* told by the NID's hello on a connection from its own address (discovery) */
	if (lu2kd_disc_active(d) && lu2kd_disc_told(lu2kd_peer_find(d, ch, nid), &f))
		return true;
	for (unsigned int k = 0; k < d->cfg.npaths; k++) {
		const struct lu2kd_path_cfg *pc = &d->cfg.paths[k];

		if (lu2k_nid_eq(&pc->peer, nid) && pc->remote.size == f.size &&
		    !memcmp(pc->remote.addr, f.addr, sizeof(f.addr)))
			return true;
	}
	return false;
}
