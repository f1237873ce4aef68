/* SPDX-License-Identifier: MIT */
/*
 * attach.c - the region (a memfd) and the attach to lu2kd over its unix
 * seqpacket socket: one struct lu2k_setup with the memfd as SCM_RIGHTS, one
 * struct lu2k_attach_reply back; afterwards 1-byte messages are kicks.
 */
#include "ni_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int lu2k_ni_region_create(struct lu2k_ni *ni, struct lu2k_ni_region **rp)
{
	struct lu2k_layout_params lp = {
		.ring_entries = ni->p.ring_entries,
		.tx_pool_size = ni->p.tx_pool_size,
		.rx_pool_size = ni->p.rx_pool_size,
	};
	struct lu2k_setup *s = &ni->setup;
	struct lu2k_region_hdr *h;
	struct lu2k_ni_region *r;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = lu2k_layout_compute(s, &lp);
	if (rc)
		return -EINVAL;
	s->version = LU2K_ABI_VERSION;
	s->features = LU2K_FEAT_ALL;
	s->nid = ni->p.nid;
	s->max_msg_size = ni->p.max_payload + LU2K_HDR_MAX;
	s->peer_credits = ni->p.peer_credits;
	s->credits = ni->p.credits;
	s->timeout_ms = ni->p.timeout_ms;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->size = s->region_size;
	r->refs = 1;
	r->memfd = memfd_create("lu2k-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (r->memfd < 0 || ftruncate(r->memfd, (off_t)r->size) < 0) {
		rc = -errno;
		goto fail;
	}
	/*
	 * The daemon gets this fd: sealed, it cannot shrink the region under
	 * our mapping (we would take SIGBUS) nor resize it at all.
	 */
	if (fcntl(r->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		rc = -errno;
		goto fail;
	}
	r->base = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
	if (r->base == MAP_FAILED) {
		rc = -errno;
		r->base = NULL;
		goto fail;
	}
	h = r->base;
	h->magic = LU2K_REGION_MAGIC;
	h->version = LU2K_ABI_VERSION;
	h->size = r->size;
	*rp = r;
	return 0;
fail:
	if (r->memfd >= 0)
		close(r->memfd);
	free(r);
	return rc;
}

void lu2k_ni_region_put(struct lu2k_ni_region *r)
{
	if (!r || --r->refs)
		return;
	if (r->base)
		munmap(r->base, r->size);
	if (r->memfd >= 0)
		close(r->memfd);
	free(r);
}

static int send_setup(int fd, const struct lu2k_setup *s, int memfd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = (void *)s, .iov_len = sizeof(*s) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &memfd, sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(*s))
		return errno ? -errno : -EIO;
	return 0;
}

/* The reply, if it is there. 0, -EAGAIN (not yet) or -errno. */
static int recv_reply(int fd, struct lu2k_attach_reply *rep)
{
	ssize_t n = recv(fd, rep, sizeof(*rep), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (n != (ssize_t)sizeof(*rep))
		return -EPROTO;
	return 0;
}

static int check_reply(struct lu2k_ni *ni, const struct lu2k_attach_reply *rep)
{
	if (rep->magic != LU2K_REGION_MAGIC)
		return -EPROTO;
	if (rep->status)
		return rep->status < 0 && rep->status > -4096 ? rep->status : -EPROTO;
	for (int i = 0; i < 4; i++)
		if (rep->reserved[i])
			return -EPROTO;
	if (rep->version == 0 || rep->version > LU2K_ABI_VERSION ||
	    rep->features & ~ni->setup.features)
		return -EPROTO;
	ni->setup.version = rep->version;
	ni->setup.features = rep->features;
	return 0;
}

static int bind_rings(struct lu2k_ni *ni, struct lu2k_ni_region *r)
{
	const struct lu2k_setup *s = &ni->setup;

	if (lu2k_ring_bind(&ni->tx, r->base, r->size, &s->tx, sizeof(struct lu2k_tx_desc)) ||
	    lu2k_ring_bind(&ni->cpl, r->base, r->size, &s->cpl, sizeof(struct lu2k_cpl_desc)) ||
	    lu2k_ring_bind(&ni->rx, r->base, r->size, &s->rx, sizeof(struct lu2k_rx_desc)) ||
	    lu2k_ring_bind(&ni->free, r->base, r->size, &s->free, sizeof(struct lu2k_free_desc)) ||
	    lu2k_ring_bind(&ni->evt, r->base, r->size, &s->evt, sizeof(struct lu2k_evt_desc)))
		return -EINVAL;
	return 0;
}

/* Forget an attach under way. */
void lu2k_attach_abort(struct lu2k_ni *ni)
{
	if (ni->pend_fd < 0)
		return;
	epoll_ctl(ni->epfd, EPOLL_CTL_DEL, ni->pend_fd, NULL);
	close(ni->pend_fd);
	ni->pend_fd = -1;
	lu2k_ni_region_put(ni->pend_region);
	ni->pend_region = NULL;
}

/*
 * Start an attach with a fresh region: connect and send the setup; the reply
 * comes later (lu2k_attach_poll). 0 or -errno (nothing left behind).
 */
int lu2k_attach_start(struct lu2k_ni *ni)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct lu2k_ni_region *r;
	int fd, rc;

	if (strlen(ni->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, ni->path);
	rc = lu2k_ni_region_create(ni, &r);
	if (rc)
		return rc;
	/* Non-blocking: a daemon whose backlog is full must not stall us. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = send_setup(fd, &ni->setup, r->memfd);
	if (rc)
		goto fail;
	ev.data.fd = fd;
	if (epoll_ctl(ni->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	ni->pend_fd = fd;
	ni->pend_region = r;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	lu2k_ni_region_put(r);
	return rc;
}

/*
 * Finish the attach under way if the daemon answered: 0 (attached),
 * -EAGAIN (no answer yet) or -errno (refused; the attempt is dropped).
 */
int lu2k_attach_poll(struct lu2k_ni *ni)
{
	struct lu2k_attach_reply rep;
	int rc = recv_reply(ni->pend_fd, &rep);

	if (rc == -EAGAIN)
		return rc;
	if (!rc)
		rc = check_reply(ni, &rep);
	if (!rc)
		rc = bind_rings(ni, ni->pend_region);
	if (rc) {
		lu2k_attach_abort(ni);
		return rc;
	}
	lu2k_ralloc_reset(&ni->txa);
	ni->region = ni->pend_region;
	ni->sock = ni->pend_fd;
	ni->pend_region = NULL;
	ni->pend_fd = -1;
	ni->dead = false;
	ni->dead_status = 0;
	ni->st.attaches++;
	return 0;
}

/* Attach and wait for the answer (up to attach_timeout_ms). 0 or -errno. */
int lu2k_attach(struct lu2k_ni *ni)
{
	struct pollfd pfd = { .events = POLLIN };
	int rc = lu2k_attach_start(ni), n;

	if (rc)
		return rc;
	pfd.fd = ni->pend_fd;
	do
		n = poll(&pfd, 1, (int)ni->p.attach_timeout_ms);
	while (n < 0 && errno == EINTR);
	rc = n > 0 ? lu2k_attach_poll(ni) : -ETIMEDOUT;
	if (rc == -EAGAIN)
		rc = -ETIMEDOUT;
	lu2k_attach_abort(ni); /* no-op once attached */
	return rc;
}

/* Wake the daemon (it asked for it with NEED_WAKEUP). Kicks coalesce. */
void lu2k_kick(struct lu2k_ni *ni)
{
	char b = 1;

	if (ni->sock < 0 || ni->dead)
		return;
	if (send(ni->sock, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
		ni->st.kicks_sent++;
		return;
	}
	/* A full socket holds kicks enough; anything else means the daemon is gone. */
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		ni->dead = true;
		ni->dead_status = -ECONNRESET;
	}
}

/*
 * After publishing on r: kick the daemon if it asked for it, now, or (inside
 * lu2k_ni_process, or with LU2K_NI_DEFER_KICK) once for the whole batch in
 * lu2k_kick_flush. Checking the flag late is as safe as checking it at once:
 * the barrier in lu2k_ring_prod_needs_kick still follows our index store.
 */
void lu2k_kick_soon(struct lu2k_ni *ni, struct lu2k_ring *r)
{
	if (ni->in_process || (ni->p.flags & LU2K_NI_DEFER_KICK)) {
		ni->kick_pending = true;
		return;
	}
	if (lu2k_ring_prod_needs_kick(r))
		lu2k_kick(ni);
}

void lu2k_kick_flush(struct lu2k_ni *ni)
{
	if (!ni->kick_pending || !ni->region)
		return;
	ni->kick_pending = false;
	if (lu2k_ring_prod_needs_kick(&ni->tx) || lu2k_ring_prod_needs_kick(&ni->free))
		lu2k_kick(ni);
}

/* Read every pending kick. 0, or -ECONNRESET when the daemon is gone. */
int lu2k_drain_kicks(struct lu2k_ni *ni)
{
	char buf[64];

	for (;;) {
		ssize_t n = recv(ni->sock, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			ni->st.kicks_rcvd++;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -ECONNRESET;
	}
}
