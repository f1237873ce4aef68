/* SPDX-License-Identifier: MIT */
#include "test_lib_fake.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int do_attach(struct fake *f)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = &f->s, .iov_len = sizeof(f->s) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct lu2k_attach_reply rep = { .magic = LU2K_REGION_MAGIC };
	struct cmsghdr *c;
	struct stat st;
	int memfd = -1, rc;

	f->cfd = accept(f->lfd, NULL, NULL);
	if (f->cfd < 0)
		return -errno;
	if (recvmsg(f->cfd, &mh, 0) != (ssize_t)sizeof(f->s))
		return -EPROTO;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&memfd, CMSG_DATA(c), sizeof(int));
	rc = f->mode == FAKE_REJECT ? f->reject_status
				    : lu2k_setup_check(&f->s, LU2K_ABI_VERSION, LU2K_FEAT_ALL);
	if (!rc && (fstat(memfd, &st) || (uint64_t)st.st_size < f->s.region_size))
		rc = -EINVAL;
	if (!rc) {
		f->size = f->s.region_size;
		f->region = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
		if (f->region == MAP_FAILED) {
			f->region = NULL;
			rc = -ENOMEM;
		}
	}
	/* the library seals the region: a daemon cannot shrink it under its mapping */
	f->sealed = ftruncate(memfd, 4096) < 0 && errno == EPERM &&
		    ftruncate(memfd, (off_t)(f->s.region_size * 2)) < 0 && errno == EPERM;
	close(memfd);
	if (!rc &&
	    (lu2k_ring_bind(&f->tx, f->region, f->size, &f->s.tx, sizeof(struct lu2k_tx_desc)) ||
	     lu2k_ring_bind(&f->cpl, f->region, f->size, &f->s.cpl, sizeof(struct lu2k_cpl_desc)) ||
	     lu2k_ring_bind(&f->rx, f->region, f->size, &f->s.rx, sizeof(struct lu2k_rx_desc)) ||
	     lu2k_ring_bind(&f->free, f->region, f->size, &f->s.free,
			    sizeof(struct lu2k_free_desc)) ||
	     lu2k_ring_bind(&f->evt, f->region, f->size, &f->s.evt, sizeof(struct lu2k_evt_desc))))
		rc = -EINVAL;
	if (!rc)
		rc = lu2k_ralloc_init(&f->rxa, f->s.rx_pool_size, 6);
	rep.status = rc;
	rep.version = f->s.version;
	rep.features = f->s.features;
	send(f->cfd, &rep, sizeof(rep), MSG_NOSIGNAL);
	return rc;
}

void fake_kick(struct fake *f)
{
	char b = 1;

	send(f->cfd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void kick_if(struct fake *f, struct lu2k_ring *r)
{
	if (lu2k_ring_prod_needs_kick(r))
		fake_kick(f);
}

int fake_pop_tx(struct fake *f, struct lu2k_tx_desc *d)
{
	return lu2k_ring_pop(&f->tx, d);
}

void fake_post_raw_cpl(struct fake *f, const struct lu2k_cpl_desc *c)
{
	while (lu2k_ring_push(&f->cpl, c))
		usleep(100);
	kick_if(f, &f->cpl);
}

void fake_post_cpl(struct fake *f, uint64_t cookie, int status)
{
	struct lu2k_cpl_desc c = { .cookie = cookie, .status = status };

	fake_post_raw_cpl(f, &c);
}

void fake_post_rx(struct fake *f, const struct lu2k_rx_desc *d)
{
	while (lu2k_ring_push(&f->rx, d))
		usleep(100);
	kick_if(f, &f->rx);
}

void fake_post_evt(struct fake *f, const struct lu2k_evt_desc *e)
{
	lu2k_ring_push(&f->evt, e);
	kick_if(f, &f->evt);
}

void fake_reap_free(struct fake *f)
{
	struct lu2k_free_desc d;

	while (lu2k_ring_pop(&f->free, &d)) {
		if (lu2k_free_desc_check(&f->s, &d) ||
		    lu2k_ralloc_size(&f->rxa, d.buf_off - f->s.rx_pool_off) != d.alloc_len ||
		    lu2k_ralloc_free(&f->rxa, d.buf_off - f->s.rx_pool_off))
			f->bad_frees++;
		else
			f->frees++;
	}
}

int fake_make_rx(struct fake *f, const struct lu2k_tx_desc *t, struct lu2k_rx_desc *d)
{
	uint64_t len = (uint64_t)t->hdr_len + t->payload_len;
	int64_t off = lu2k_ralloc_alloc(&f->rxa, len);

	if (off < 0)
		return -ENOSPC;
	memset(d, 0, sizeof(*d));
	d->src = f->s.nid;
	d->buf_off = f->s.rx_pool_off + (uint64_t)off;
	d->hdr_len = t->hdr_len;
	d->payload_len = t->payload_len;
	d->alloc_len = (uint32_t)lu2k_ralloc_size(&f->rxa, (uint64_t)off);
	memcpy((char *)f->region + d->buf_off, (char *)f->region + t->buf_off, len);
	return 0;
}

/* One pass over TX: loop it back (LOOP) or count towards death (DIE). 1 if it did work. */
static int pump(struct fake *f)
{
	struct lu2k_tx_desc t;
	struct lu2k_rx_desc d;
	int work = 0;

	fake_reap_free(f);
	while (!f->stop && lu2k_ring_cons_avail(&f->tx)) {
		memcpy(&t, lu2k_ring_cons_slot(&f->tx, 0), sizeof(t));
		if (lu2k_tx_desc_check(&f->s, &t)) {
			lu2k_ring_cons_release(&f->tx, 1);
			f->tx_bad++;
			fake_post_cpl(f, t.cookie, -EINVAL);
			continue;
		}
		if (f->mode == FAKE_LOOP) {
			if (fake_make_rx(f, &t, &d)) {
				/* RX pool full: wait for FREEs, leave the TX in the ring */
				f->rx_full++;
				fake_reap_free(f);
				return work;
			}
			fake_post_rx(f, &d);
		}
		lu2k_ring_cons_release(&f->tx, 1);
		work = 1;
		f->tx_seen++;
		if (f->mode == FAKE_LOOP || f->tx_seen <= f->complete_n)
			fake_post_cpl(f, t.cookie, 0);
		if (f->mode == FAKE_DIE && f->tx_seen >= f->die_after)
			return -1;
	}
	return work;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char buf[64];

	f->attach_rc = do_attach(f);
	f->attached = 1;
	if (f->attach_rc || f->mode == FAKE_MANUAL || f->mode == FAKE_REJECT)
		return NULL;
	while (!f->stop) {
		struct pollfd p = { .fd = f->cfd, .events = POLLIN };
		int w = pump(f);

		if (w < 0)
			break; /* FAKE_DIE: go away without completing the rest */
		if (w)
			continue;
		if (!lu2k_ring_cons_prepare_sleep(&f->tx))
			continue;
		lu2k_ring_cons_prepare_sleep(&f->free);
		if (poll(&p, 1, 5) > 0) {
			ssize_t n = recv(f->cfd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n == 0)
				break; /* the library went away */
		}
		lu2k_ring_cons_awake(&f->tx);
		lu2k_ring_cons_awake(&f->free);
	}
	if (f->mode == FAKE_DIE) {
		close(f->cfd);
		f->cfd = -1;
	}
	return NULL;
}

int fake_start(struct fake *f, const char *path, enum fake_mode mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int die_after = (int)f->die_after, complete_n = (int)f->complete_n;
	int reject = f->reject_status;

	memset(f, 0, sizeof(*f));
	f->die_after = (unsigned int)die_after;
	f->complete_n = (unsigned int)complete_n;
	f->reject_status = reject;
	f->mode = mode;
	f->cfd = -1;
	snprintf(f->path, sizeof(f->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(f->lfd, 4))
		return -errno;
	return pthread_create(&f->th, NULL, fake_main, f) ? -EAGAIN : 0;
}

void fake_wait_attached(struct fake *f)
{
	while (!f->attached)
		usleep(1000);
}

void fake_stop(struct fake *f)
{
	f->stop = 1;
	/* unblock accept() if nobody ever connected */
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	if (f->cfd >= 0)
		close(f->cfd);
	close(f->lfd);
	unlink(f->path);
	if (f->region)
		munmap(f->region, f->size);
	if (f->rxa.tag)
		lu2k_ralloc_fini(&f->rxa);
	f->region = NULL;
}
