/* SPDX-License-Identifier: MIT */
/*
 * verbose.c - how much of a peer or connection lu2kctl prints (-v), as
 * lnetctl does: by default what an admin reads first, -v everything the
 * daemon and its back-end report, -v 0 who and in which state.
 *
 * The lists name fields of the daemon's answer; a back-end field not named
 * is shown from -v 2 only. A rate (KEY_per_s, from --watch) goes with its
 * counter. JSON output is for programs and is never cut.
 */
#include <stdlib.h>
#include <string.h>

#include "verbose.h"

static const char *const peers_0[] = { "nid", "local_nid", "state", NULL };
static const char *const peers_1[] = { "health",	 "conns_out", "conns_in",   "msgs_queued",
				       "msgs_in_flight", "msgs_tx",   "msgs_rx",    "bytes_tx",
				       "bytes_rx",	 "errors",    "last_error", "backoff_ms",
				       "paths",		 NULL };
static const char *const conns_0[] = { "peer",	    "local_nid", "direction",
				       "tcp_state", "udt_state", "rds_state",
				       "address",   "port",	 NULL };
static const char *const conns_1[] = { "age_s",	    "auth",	    "rtt_us",	 "send_rate_kbps",
				       "msgs_tx",   "msgs_rx",	    "bytes_tx",	 "bytes_rx",
				       "queued",    "unacked",	    "no_ack_ms", "peer_answered",
				       "rx_paused", "pkts_retrans", "snd_loss",	 "path",
				       NULL };

static bool listed(const char *const *l, const char *key, size_t len)
{
	for (; *l; l++)
		if (strlen(*l) == len && !strncmp(*l, key, len))
			return true;
	return false;
}

static bool keep(const char *key, const char *const *l0, const char *const *l1, int level)
{
	size_t len = strlen(key);

	if (len > 6 && !strcmp(key + len - 6, "_per_s"))
		len -= 6;
	return listed(l0, key, len) || (level >= 1 && listed(l1, key, len));
}

void verbose_filter(struct jv *answer, const char *cmd, int level)
{
	const char *const *l0, *const *l1;
	struct jv *arr, *e;

	if (level >= 2)
		return;
	if (!strcmp(cmd, "peers")) {
		l0 = peers_0;
		l1 = peers_1;
	} else if (!strcmp(cmd, "conns")) {
		l0 = conns_0;
		l1 = conns_1;
	} else {
		return;
	}
	arr = (struct jv *)jv_get(answer, cmd);
	for (e = arr ? arr->kids : NULL; e; e = e->next) {
		struct jv **pp = &e->kids;

		while (*pp) {
			struct jv *k = *pp;

			if (k->key && keep(k->key, l0, l1, level)) {
				pp = &k->next;
				continue;
			}
			*pp = k->next;
			k->next = NULL;
			jv_free(k);
		}
	}
}
