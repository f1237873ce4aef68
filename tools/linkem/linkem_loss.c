// SPDX-License-Identifier: MIT
/*
 * linkem_loss.c - Gilbert-Elliott loss (see linkem_loss.h for the model).
 */
#include "linkem_loss.h"

bool linkem_ge_step(const struct linkem_ge *ge, struct linkem_ge_state *st, struct linkem_rng *rng)
{
	/* Draw both numbers every time, so the stream stays in step whatever
	 * the state: fates then depend only on the seed and the packet count. */
	double move = linkem_rng_unit(rng), lose = linkem_rng_unit(rng);

	if (st->bad) {
		if (move < ge->r)
			st->bad = false;
	} else {
		if (move < ge->p)
			st->bad = true;
	}
	return lose < (st->bad ? ge->loss_bad : ge->loss_good);
}

double linkem_ge_mean_loss(const struct linkem_ge *ge)
{
	if (!ge->on)
		return 0.0;
	if (ge->p + ge->r <= 0.0)
		return ge->loss_good; /* the chain never leaves the good state */
	return (ge->r * ge->loss_good + ge->p * ge->loss_bad) / (ge->p + ge->r);
}
