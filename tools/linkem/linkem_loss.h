/* SPDX-License-Identifier: MIT */
/*
 * linkem_loss.h - the Gilbert-Elliott loss model.
 *
 * Two states, good and bad. Before each packet the chain moves: good -> bad
 * with probability p, bad -> good with probability r. The packet is then lost
 * with probability loss_bad (netem's 1-h) in the bad state and loss_good
 * (netem's 1-k) in the good state. In the long run the chain spends
 * p / (p + r) of packets in the bad state, so the mean loss is
 *
 *     (r * loss_good + p * loss_bad) / (p + r),
 *
 * and with loss_bad = 1, loss_good = 0 (the simple Gilbert model) a loss
 * burst lasts 1 / r packets on average.
 */
#ifndef LU2K_LINKEM_LOSS_H
#define LU2K_LINKEM_LOSS_H

#include <stdbool.h>

#include "linkem_rng.h"

struct linkem_ge {
	bool on;
	double p;	  /* P(good -> bad) per packet */
	double r;	  /* P(bad -> good) per packet */
	double loss_bad;  /* loss probability in the bad state (1 - h) */
	double loss_good; /* loss probability in the good state (1 - k) */
};

struct linkem_ge_state {
	bool bad;
};

/* Steps the chain for one packet; returns true if that packet is lost. */
bool linkem_ge_step(const struct linkem_ge *ge, struct linkem_ge_state *st, struct linkem_rng *rng);

/* Long-run loss rate of the model (0 when off). */
double linkem_ge_mean_loss(const struct linkem_ge *ge);

#endif
