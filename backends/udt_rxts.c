/* SPDX-License-Identifier: MIT */
/* udt_rxts.c - kernel receive timestamps of the udt back-end's datagrams (udt_rxts.h). */
#include "udt_rxts.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/time.h"

int udtb_rxts_enable(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ? -errno : 0;
}

bool udtb_rxts_get(const struct msghdr *h, uint64_t *real_ns)
{
	const struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(h); cm;
	     cm = CMSG_NXTHDR((struct msghdr *)h, (struct cmsghdr *)cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
				return false;
			*real_ns = lu2k_time_timespec_to_ns(&ts);
			return true;
		}
	}
	return false;
}

uint64_t udtb_rxts_arrival(const struct msghdr *h, uint64_t now_ns, uint64_t real_ns)
{
	uint64_t t, age;

	if (!udtb_rxts_get(h, &t) || t > real_ns)
		return now_ns;
	age = real_ns - t;
	return age < now_ns && age < UDTB_RXTS_MAX_AGE_NS ? now_ns - age : now_ns;
}

uint64_t udtb_rxts_spread(uint64_t *last_ns, uint64_t t)
{
	if (t < *last_ns + UDTB_RXTS_SPACING_NS)
		t = *last_ns + UDTB_RXTS_SPACING_NS;
	*last_ns = t;
	return t;
}
