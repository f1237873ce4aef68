/* SPDX-License-Identifier: MIT */
/*
 * mpath_disc.c - multipath discovery (doc/multipath.md, "Discovery"): the
 * addresses this daemon tells its peers in the hello (multipath_addr lines),
 * what a peer's hello told us, and which of our addresses each of the
 * peer's is reached from. mpath.c makes the paths.
 */
#include "mpath_disc.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/nid.h"
#include "common/sockaddr.h"
#include "core.h"
#include "mpath.h"

static bool same_net(const struct lu2k_nid *a, const struct lu2k_nid *b)
{
	return a->type == b->type && a->num == b->num;
}

static bool same_addr(const struct lu2k_nid *a, const struct lu2k_nid *b)
{
	return a->size == b->size && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

bool lu2kd_disc_active(const struct lu2kd *d)
{
	return d->cfg.multipath && d->cfg.mp_discover;
}

unsigned int lu2kd_disc_ours(const struct lu2kd *d, const struct lu2kd_chan *ch,
			     struct lu2k_be_addrs *out)
{
	out->n = 0;
	if (!lu2kd_disc_active(d))
		return 0;
	for (unsigned int i = 0; i < d->cfg.nmp_addrs && out->n < LU2K_BE_MAX_ADDRS; i++) {
		struct lu2k_nid n;

		if (lu2k_nid_from_sockaddr((const struct sockaddr *)&d->cfg.mp_addrs[i],
					   lu2k_nid_net(&ch->nid), &n))
			continue;
		n.type = ch->nid.type;
		if (n.size != ch->nid.size || same_addr(&n, &ch->nid))
			continue; /* another family, or the NID's own address */
		out->nid[out->n++] = n;
	}
	return out->n;
}

void lu2kd_disc_warn_family(const struct lu2kd *d, const struct lu2kd_chan *ch)
{
	char a[LU2K_NID_STRLEN], nid[LU2K_NID_STRLEN];

	if (!lu2kd_disc_active(d))
		return;
	for (unsigned int i = 0; i < d->cfg.nmp_addrs; i++) {
		struct lu2k_nid n;

		if (lu2k_nid_from_sockaddr((const struct sockaddr *)&d->cfg.mp_addrs[i],
					   lu2k_nid_net(&ch->nid), &n) ||
		    n.size == ch->nid.size)
			continue;
		LOG_WARN("channel %u: multipath_addr %s is not of %s's family: not told to its "
			 "peers in the hello, nor listened on (a path line may use it)",
			 ch->id, lu2k_sockaddr_addr(&d->cfg.mp_addrs[i], a, sizeof(a)),
			 lu2k_nid_format(&ch->nid, nid, sizeof(nid)));
	}
}

/* Is r's address inside the prefix of ifa's (a NID's size: 0 IPv4, 12 IPv6)? */
static bool in_prefix(const struct ifaddrs *ifa, const struct lu2k_nid *r)
{
	const unsigned char *ad, *mk;
	unsigned int len;

	if (!ifa->ifa_addr || !ifa->ifa_netmask)
		return false;
	if (ifa->ifa_addr->sa_family == AF_INET && r->size == 0) {
		ad = (const unsigned char *)&((struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		mk = (const unsigned char *)&((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
		len = 4;
	} else if (ifa->ifa_addr->sa_family == AF_INET6 && r->size == 12) {
		ad = (const unsigned char *)&((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
		mk = (const unsigned char *)&((struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr;
		len = 16;
	} else {
		return false;
	}
	for (unsigned int i = 0; i < len; i++)
		if ((ad[i] & mk[i]) != (r->addr[i] & mk[i]))
			return false;
	return true;
}

static bool ifa_is(const struct ifaddrs *ifa, const struct lu2k_nid *l)
{
	struct lu2k_nid n;

	return ifa->ifa_addr && !lu2k_nid_from_sockaddr(ifa->ifa_addr, 0, &n) && same_addr(&n, l);
}

/* The source address the routing table picks towards r, as a NID; -errno if none. */
static int route_src(const struct lu2k_nid *r, struct lu2k_nid *src)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int len, fd, rc = 0;

	len = lu2k_nid_to_sockaddr(r, 9, &ss);
	if (len < 0)
		return len;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a UDP connect() sends nothing: it only asks the routing table */
	if (connect(fd, (struct sockaddr *)&ss, (socklen_t)len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl))
		rc = -errno;
	close(fd);
	return rc ? rc : lu2k_nid_from_sockaddr((struct sockaddr *)&ss, 0, src);
}

int lu2kd_disc_local_for(const struct lu2kd *d, const struct lu2kd_chan *ch,
			 const struct lu2k_nid *remote, struct lu2k_nid *local)
{
	struct lu2k_be_addrs ours;
	struct ifaddrs *ifs = NULL;
	struct lu2k_nid cand[LU2K_BE_MAX_ADDRS + 1], rs;
	unsigned int n = 0;
	int found = -1;

	lu2kd_disc_ours(d, ch, &ours);
	if (ch->nid.size == remote->size)
		cand[n++] = ch->nid;
	for (unsigned int i = 0; i < ours.n; i++)
		cand[n++] = ours.nid[i];
	/* 1. one of ours whose interface's prefix holds the remote address */
	if (!getifaddrs(&ifs)) {
		for (const struct ifaddrs *ifa = ifs; ifa && found < 0; ifa = ifa->ifa_next)
			for (unsigned int i = 0; i < n && found < 0; i++)
				if (ifa_is(ifa, &cand[i]) && in_prefix(ifa, remote))
					found = (int)i;
		freeifaddrs(ifs);
	}
	/* 2. else the routing table's source towards it, if it is one of ours */
	if (found < 0 && !route_src(remote, &rs))
		for (unsigned int i = 0; i < n && found < 0; i++)
			if (same_addr(&rs, &cand[i]))
				found = (int)i;
	if (found < 0)
		return -ENETUNREACH;
	*local = cand[found];
	local->type = ch->nid.type;
	local->num = ch->nid.num;
	return 0;
}

void lu2kd_mpath_peer_addrs(void *ctx, const struct lu2k_be_addrs *a)
{
	struct lu2kd_conn *c = ctx;
	struct lu2kd_peer *p = c->peer;
	struct lu2kd *d = c->d;
	struct lu2k_be_addrs got = { .n = 0 };
	char x[LU2K_NID_STRLEN], y[LU2K_NID_STRLEN];

	if (!lu2kd_disc_active(d) || c->out)
		return;
	/* only addresses on the NID's network, of its family, other than its own */
	for (unsigned int i = 0; i < a->n && i < LU2K_BE_MAX_ADDRS; i++) {
		bool dup = same_addr(&a->nid[i], &p->nid);

		for (unsigned int k = 0; k < got.n && !dup; k++)
			dup = same_addr(&got.nid[k], &a->nid[i]);
		if (dup || !same_net(&a->nid[i], &p->nid) || a->nid[i].size != p->nid.size) {
			LOG_RL(LU2K_LOG_WARN,
			       "peer %s: its hello tells %s, not another address of it: "
			       "ignored",
			       lu2k_nid_format(&p->nid, x, sizeof(x)),
			       lu2k_nid_format(&a->nid[i], y, sizeof(y)));
			continue;
		}
		got.nid[got.n++] = a->nid[i];
	}
	if (!got.n)
		return;
	if (p->told && p->told->n == got.n &&
	    !memcmp(p->told->nid, got.nid, got.n * sizeof(got.nid[0])))
		return; /* what it told before */
	if (!p->told && !(p->told = malloc(sizeof(*p->told))))
		return;
	*p->told = got;
	LOG_RL(LU2K_LOG_INFO, "peer %s: its hello tells %u other address%s (first %s)",
	       lu2k_nid_format(&p->nid, x, sizeof(x)), got.n, got.n == 1 ? "" : "es",
	       lu2k_nid_format(&got.nid[0], y, sizeof(y)));
	lu2kd_mpath_grow(p);
}

bool lu2kd_disc_told(const struct lu2kd_peer *p, const struct lu2k_nid *from)
{
	if (!p || !p->told)
		return false;
	for (unsigned int i = 0; i < p->told->n; i++)
		if (same_addr(&p->told->nid[i], from))
			return true;
	return false;
}

void lu2kd_disc_old_add(struct lu2kd *d, const struct lu2k_nid *nid)
{
	struct lu2kd_disc_old *o = &d->disc_old;

	if (lu2kd_disc_old(d, nid))
		return;
	o->nid[o->next] = *nid;
	o->next = (o->next + 1) % LU2KD_DISC_OLD_MAX;
	if (o->n < LU2KD_DISC_OLD_MAX)
		o->n++;
}

bool lu2kd_disc_old(const struct lu2kd *d, const struct lu2k_nid *nid)
{
	for (unsigned int i = 0; i < d->disc_old.n; i++)
		if (lu2k_nid_eq(&d->disc_old.nid[i], nid))
			return true;
	return false;
}
