// SPDX-License-Identifier: MIT
/*
 * hs_probe.c - the listener's timing of a connector's probe train
 * (handshake.h, "The capacity probe").
 *
 * The train leaves the connector back to back, so what spaces its probes
 * when they come is the slowest link they crossed: the IP bytes of all
 * but the first over the time from the first to the last are that link's
 * rate. Cross traffic that slips between them makes the rate read lower,
 * never higher; probes lost make it read from fewer. What would make it
 * read higher is a later link bunching them again (a receiving host's
 * interrupt moderation at LAN rates), where a first round trip is short
 * anyway.
 */
#include <errno.h>
#include <string.h>

#include "handshake.h"

/* probes further apart than this start a new train */
#define PROBE_GAP_NS (500 * 1000000ull)
/* a train is told only if its request came this soon after its last probe */
#define PROBE_FRESH_NS (1000 * 1000000ull)
/* fewer probes than this say too little (a train is UDT_PROBE_TRAIN) */
#define PROBE_MIN 8
/* at most this rate, packets/s (120 Gbit/s of 1500-byte packets): a bunched train reads more */
#define PROBE_MAX_PPS 10000000u

static uint64_t probe_key(const struct udt_listener *l, const void *addr, size_t addrlen,
			  uint32_t sock_id)
{
	uint8_t b[64 + 4];
	uint64_t k;

	if (addrlen > 64)
		addrlen = 64;
	memcpy(b, addr, addrlen);
	memcpy(b + addrlen, &sock_id, 4);
	k = udt_siphash(l->key, b, addrlen + 4);
	return k ? k : 1; /* 0 marks a free slot */
}

static struct udt_probe_slot *probe_find(struct udt_listener *l, uint64_t key)
{
	unsigned int i;

	for (i = 0; i < UDT_PROBE_SLOTS; i++)
		if (l->probe[i].key == key)
			return &l->probe[i];
	return NULL;
}

int udt_listener_probe(struct udt_listener *l, const struct udt_hdr *h, size_t len,
		       const void *addr, size_t addrlen, uint64_t now_ns)
{
	struct udt_probe_slot *p;
	uint32_t sock_id;
	uint64_t key;
	unsigned int i;

	if (udt_probe_decode(h, &sock_id)) {
		l->bad_pkts++;
		return -EBADMSG;
	}
	l->probes++;
	key = probe_key(l, addr, addrlen, sock_id);
	p = probe_find(l, key);
	if (p && now_ns >= p->last_ns && now_ns - p->last_ns < PROBE_GAP_NS) {
		p->n++;
		p->bytes += (uint32_t)len + UDT_UDP_IP_OVERHEAD;
		p->last_ns = now_ns;
		return UDT_LISTEN_PROBE;
	}
	/* a new train: its own slot again, else a free one, else the one idle longest */
	for (i = 0; !p && i < UDT_PROBE_SLOTS; i++)
		if (!l->probe[i].key)
			p = &l->probe[i];
	if (!p) {
		p = &l->probe[0];
		for (i = 1; i < UDT_PROBE_SLOTS; i++)
			if (l->probe[i].last_ns < p->last_ns)
				p = &l->probe[i];
	}
	p->key = key;
	p->first_ns = p->last_ns = now_ns;
	p->n = 1;
	p->bytes = 0;
	return UDT_LISTEN_PROBE;
}

uint32_t udt_listener_probe_rate(struct udt_listener *l, const struct udt_hs *hs, const void *addr,
				 size_t addrlen, uint64_t now_ns)
{
	struct udt_probe_slot *p;
	uint64_t span, pps;

	if (!(udt_hs_ext_offers(hs->ext) & UDT_HS_OFFER_PROBE))
		return 0;
	p = probe_find(l, probe_key(l, addr, addrlen, hs->sock_id));
	if (!p)
		return 0;
	span = p->last_ns - p->first_ns;
	if (p->n < PROBE_MIN || !span || now_ns < p->last_ns ||
	    now_ns - p->last_ns > PROBE_FRESH_NS) {
		l->probe_trains_short++;
		memset(p, 0, sizeof(*p));
		return 0;
	}
	/* in packets of the connector's MSS a second */
	pps = (uint64_t)p->bytes * 1000000000ull / span / (uint64_t)hs->mss;
	memset(p, 0, sizeof(*p));
	if (!pps)
		return 0;
	l->probe_trains_told++;
	return pps > PROBE_MAX_PPS ? PROBE_MAX_PPS : (uint32_t)pps;
}
