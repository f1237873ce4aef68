/* SPDX-License-Identifier: MIT */
/*
 * rds_sides.h - two fake cores over the rds back-end, A (10.0.0.1@lu2k)
 * and B (10.0.0.2@lu2k), each with its own back-end instance on one event
 * loop L. Messages carry their 8-byte id as the header and a payload
 * pattern of it; B's rx_end() checks every byte and the order.
 */
#ifndef LU2K_TESTS_RDS_SIDES_H
#define LU2K_TESTS_RDS_SIDES_H

#include <stdint.h>

#include "backends/backend.h"
#include "common/loop.h"
#include "common/nid.h"
#include "loop_spin.h"

#define MAXMSG ((4u << 20) + 256)
#define NMSG   64

struct side {
	struct lu2k_be *be;
	struct lu2k_be_listener *l;
	struct lu2k_nid nid;
	int accepted, connected, closed, closed_err, refused;
	int rx_ok, rx_bad, rx_failed, rx_begun, eagain_left, order_bad;
	uint64_t last_id;
	int rx_mids;	     /* messages received with a multipath id */
	uint64_t rx_mid_sum; /* epoch + id + low of each, summed */
	int sent_ok, sent_err, last_err;
	int sent_count[NMSG];
	struct lu2k_be_conn *in;
};

extern struct lu2k_loop L;
extern const struct lu2k_backend_ops *ops;
extern struct side A, B;
extern struct lu2k_auth *next_auth; /* make_side: the keys of the next side made */
extern struct lu2k_be_msg msgs[NMSG];
/* back-end options (pairs): short deadlines, and deadlines a loaded machine cannot miss */
extern const char *const fast[8], *const calm[8];

#define SPIN_UNTIL(cond, ms) T_SPIN_UNTIL(&L, cond, ms)
#define spin(ms)	     t_spin(&L, ms)

/* A side named nid listening on PORT, with nkv option pairs from kv. */
int make_side(struct side *s, const char *nid, const char *const *kv, int nkv);
void drop_side(struct side *s);
void msg_init(struct lu2k_be_msg *m, uint64_t id, uint32_t payload);
void msgs_free(int n);
/* Whether each of msgs[0..n) was completed exactly once on s. */
int sent_once(struct side *s, int n);
/* A's conn to B once connected() (NULL if it closed or 2 s passed). */
struct lu2k_be_conn *connect_ab(void);

#endif
