/* SPDX-License-Identifier: MIT */
/* be_auth.c - the key policy's counters in a back-end's stats (see be_auth.h). */
#include "be_auth.h"

#include "auth/peers.h"
#include "common/json.h"

void lu2k_be_auth_stats_json(const struct lu2k_auth_stats *a, struct lu2k_json *j)
{
	lu2k_json_u64(j, "auth_handshakes", a->hs_ok);
	lu2k_json_u64(j, "auth_unknown_key", a->hs_unknown_key);
	lu2k_json_u64(j, "auth_nid_refused", a->hs_nid_refused);
	lu2k_json_u64(j, "auth_replays", a->hs_replay);
	lu2k_json_u64(j, "auth_bad_handshakes", a->hs_bad);
	lu2k_json_u64(j, "auth_no_peer_key", a->no_peer_key);
	lu2k_json_u64(j, "auth_rate_limited_prefix", a->hs_rate_prefix);
	lu2k_json_u64(j, "auth_rate_limited_global", a->hs_rate_global);
}
