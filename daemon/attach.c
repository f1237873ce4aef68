/* SPDX-License-Identifier: MIT */
/*
 * attach.c - the two ways a kernel half reaches lu2kd, behind struct
 * lu2kd_chan_ops so that nothing else in the daemon can tell them apart:
 *
 *  - liblu2k: a unix SOCK_SEQPACKET listener. The library sends one struct
 *    lu2k_setup with its region's memfd (SCM_RIGHTS); we check, map, reply
 *    with struct lu2k_attach_reply. Then 1-byte messages are kicks both ways,
 *    and EOF/hang-up means the library's process is gone.
 *  - /dev/lu2k: open, LU2K_IOC_SETUP, mmap, poll for POLLIN (kicks) and
 *    POLLHUP (the module detached us); kick with LU2K_IOC_KICK.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/nid.h"
#include "core.h"
#include "common/log.h"
#include "usock.h"
#include "common/time.h"

#define ATTACH_TIMEOUT_NS (5 * LU2K_NS_PER_S)

/* ---- liblu2k over a unix socket ---- */

/* An accepted socket that has not sent its setup yet. */
struct pending_attach {
	struct lu2k_io io;
	struct lu2k_timer timer;
	struct lu2k_defer defer;
	struct lu2kd *d;
};

static void sock_kick(struct lu2kd_chan *ch)
{
	char b = 'k';

	/* EAGAIN: the socket is full of kicks already, one is as good as many. */
	if (send(ch->io.fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		LOG_RL(LU2K_LOG_DEBUG, "channel %u: kick: %s", ch->id, strerror(errno));
}

static void sock_release(struct lu2kd_chan *ch)
{
	lu2k_loop_io_set(&ch->d->loop, &ch->io, 0);
	close(ch->io.fd);
	ch->io.fd = -1;
}

static const struct lu2kd_chan_ops sock_ops = {
	.name = "socket",
	.kick = sock_kick,
	.release = sock_release,
};

static void sock_event(struct lu2k_io *io, uint32_t revents)
{
	struct lu2kd_chan *ch = lu2k_container_of(io, struct lu2kd_chan, io);
	char buf[256];

	for (;;) {
		ssize_t n = recv(io->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			ch->st.kicks_in++; /* the idle hook drains the rings */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (revents & (EPOLLHUP | EPOLLERR))
				break;
			return;
		}
		break; /* 0 = EOF, or a real error */
	}
	lu2kd_chan_detach(ch, "the kernel half closed its socket");
}

static void pending_free(struct lu2k_defer *df)
{
	free(lu2k_container_of(df, struct pending_attach, defer));
}

static void pending_close(struct pending_attach *pa)
{
	lu2k_loop_timer_cancel(&pa->d->loop, &pa->timer);
	if (pa->io.fd >= 0) {
		lu2k_loop_io_set(&pa->d->loop, &pa->io, 0);
		close(pa->io.fd);
		pa->io.fd = -1;
	}
	lu2k_loop_defer(&pa->d->loop, &pa->defer, pending_free);
}

static void reply(int fd, int status, const struct lu2k_setup *s)
{
	struct lu2k_attach_reply r;

	memset(&r, 0, sizeof(r));
	r.magic = LU2K_REGION_MAGIC;
	r.status = status;
	r.version = s ? s->version : LU2K_ABI_VERSION;
	r.features = s ? s->features : LU2K_FEAT_ALL;
	if (send(fd, &r, sizeof(r), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		LOG_RL(LU2K_LOG_WARN, "attach: cannot reply: %s", strerror(errno));
}

/*
 * A client keeps its own fd to the memfd it hands us. Unless the file is
 * sealed against shrinking, it could truncate it after we mapped it, and our
 * next touch of a ring would kill the daemon (SIGBUS) and every interface it
 * serves. Growing is sealed too, so that the size we checked is the size for
 * good. F_GET_SEALS also fails on anything but a memfd (a file on disk, a
 * pipe), which is all we accept. Returns 0 or -EPERM with why filled.
 */
static int check_seals(int memfd, char *why, size_t wlen)
{
	const int need = F_SEAL_SHRINK | F_SEAL_GROW;
	int seals = fcntl(memfd, F_GET_SEALS);

	if (seals < 0) {
		snprintf(why, wlen, "the region's fd is not a sealable memfd (F_GET_SEALS: %s)",
			 strerror(errno));
		return -EPERM;
	}
	if ((seals & need) != need) {
		snprintf(why, wlen,
			 "the region's memfd is not sealed against shrinking and growing "
			 "(seals 0x%x; the client must add F_SEAL_SHRINK|F_SEAL_GROW)",
			 (unsigned int)seals);
		return -EPERM;
	}
	return 0;
}

/* Checks a setup from liblu2k and turns it into a channel. Returns 0 or -errno. */
static int sock_setup(struct lu2kd *d, int sock, int memfd, struct lu2k_setup *s, char *why,
		      size_t wlen)
{
	struct lu2kd_chan *ch;
	char nid[LU2K_NID_STRLEN];
	int rc;

	/* In force: the library's version and features, cut down to ours. */
	s->features &= LU2K_FEAT_ALL;
	rc = lu2k_setup_check(s, LU2K_ABI_VERSION, LU2K_FEAT_ALL);
	if (rc) {
		snprintf(why, wlen, "setup rejected by lu2k_setup_check");
		return rc;
	}
	if (lu2k_nid_check(&s->nid, s->features)) {
		snprintf(why, wlen, "bad interface NID");
		return -EINVAL;
	}
	if (lu2kd_chan_by_nid(d, &s->nid)) {
		snprintf(why, wlen, "%s is already attached",
			 lu2k_nid_format(&s->nid, nid, sizeof(nid)));
		return -EADDRINUSE;
	}
	if (d->nchans >= d->cfg.max_channels) {
		snprintf(why, wlen, "max_channels (%u) reached", d->cfg.max_channels);
		return -EBUSY;
	}
	rc = check_seals(memfd, why, wlen);
	if (rc)
		return rc;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->ops = &sock_ops;
	rc = lu2kd_chan_map(ch, memfd, s);
	if (rc) {
		snprintf(why, wlen, "cannot map the region");
		free(ch);
		return rc;
	}
	{
		struct ucred cr;
		socklen_t cl = sizeof(cr);

		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0)
			snprintf(ch->origin, sizeof(ch->origin), "pid %d", (int)cr.pid);
		else
			snprintf(ch->origin, sizeof(ch->origin), "socket");
	}
	lu2k_loop_io_init(&ch->io, sock, sock_event);
	ch->d = d;
	rc = lu2kd_chan_start(d, ch);
	if (rc) {
		snprintf(why, wlen, "cannot listen for peers on %s port %u: %s",
			 lu2k_nid_format(&s->nid, nid, sizeof(nid)), d->cfg.port, strerror(-rc));
		lu2kd_rxalloc_fini(&ch->rxa);
		munmap(ch->region, ch->region_size);
		free(ch);
		return rc;
	}
	reply(sock, 0, s);
	if (lu2k_loop_io_set(&d->loop, &ch->io, EPOLLIN)) {
		lu2kd_chan_detach(ch, "cannot watch its socket");
		return 0;
	}
	d->st.attaches++;
	return 0;
}

static void pending_event(struct lu2k_io *io, uint32_t revents)
{
	struct pending_attach *pa = lu2k_container_of(io, struct pending_attach, io);
	struct lu2kd *d = pa->d;
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} cbuf;
	struct lu2k_setup s;
	struct iovec iov = { &s, sizeof(s) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	struct cmsghdr *cm;
	int memfd = -1, nfds = 0, rc, sock = io->fd;
	char why[160] = "malformed attach message";
	ssize_t n;

	n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* Done waiting: the fd leaves the set before a channel may register it again. */
	lu2k_loop_timer_cancel(&d->loop, &pa->timer);
	lu2k_loop_io_set(&d->loop, &pa->io, 0);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (int i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (nfds++ == 0)
					memfd = fd;
				else
					close(fd);
			}
		}
	}
	if (n <= 0) {
		rc = -EPIPE;
		snprintf(why, sizeof(why), "closed before sending its setup");
	} else if ((size_t)n != sizeof(s) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		   nfds != 1) {
		rc = -EINVAL;
		snprintf(why, sizeof(why), "attach message of %zd bytes with %d fds (want %zu, 1)",
			 n, nfds, sizeof(s));
	} else {
		rc = sock_setup(d, sock, memfd, &s, why, sizeof(why));
	}
	if (memfd >= 0)
		close(memfd); /* the mapping keeps the memory */
	if (rc) {
		d->st.attach_errors++;
		LOG_WARN("attach refused: %s (%s)", why, strerror(-rc));
		if (n > 0)
			reply(sock, rc, NULL);
		close(sock);
	}
	/* On success the socket now belongs to the channel. */
	pa->io.fd = -1;
	pending_close(pa);
}

static void pending_timeout(struct lu2k_timer *t)
{
	struct pending_attach *pa = lu2k_container_of(t, struct pending_attach, timer);

	LOG_WARN("attach: no setup message within 5 s, closing");
	pa->d->st.attach_errors++;
	pending_close(pa);
}

static void listener_event(struct lu2k_io *io, uint32_t revents)
{
	struct lu2kd_listener *l = lu2k_container_of(io, struct lu2kd_listener, io);

	for (;;) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct pending_attach *pa;

		if (fd < 0)
			return;
		pa = calloc(1, sizeof(*pa));
		if (!pa) {
			close(fd);
			continue;
		}
		pa->d = l->d;
		lu2k_loop_io_init(&pa->io, fd, pending_event);
		lu2k_heap_timer_init(&pa->timer, pending_timeout);
		if (lu2k_loop_timer_arm(&l->d->loop, &pa->timer, ATTACH_TIMEOUT_NS)) {
			close(fd); /* no deadline, no pending attach */
			free(pa);
			continue;
		}
		if (lu2k_loop_io_set(&l->d->loop, &pa->io, EPOLLIN))
			pending_close(pa);
	}
}

int lu2kd_attach_socket_start(struct lu2kd *d)
{
	struct lu2kd_usock_perm perm = { d->cfg.socket_group_set, d->cfg.socket_gid };
	int fd = lu2kd_usock_listen(d->cfg.channel_socket, SOCK_SEQPACKET, 64, &perm);

	if (fd < 0)
		return fd;
	d->chan_listen.d = d;
	d->chan_listen.open = true;
	lu2k_loop_io_init(&d->chan_listen.io, fd, listener_event);
	return lu2k_loop_io_set(&d->loop, &d->chan_listen.io, EPOLLIN);
}

void lu2kd_attach_socket_stop(struct lu2kd *d)
{
	if (!d->chan_listen.open)
		return;
	lu2k_loop_io_set(&d->loop, &d->chan_listen.io, 0);
	close(d->chan_listen.io.fd);
	unlink(d->cfg.channel_socket);
	d->chan_listen.open = false;
}

/* ---- the kernel module: /dev/lu2k ---- */

static void dev_kick(struct lu2kd_chan *ch)
{
	if (ioctl(ch->io.fd, LU2K_IOC_KICK) < 0)
		LOG_RL(LU2K_LOG_WARN, "channel %u: LU2K_IOC_KICK: %s", ch->id, strerror(errno));
}

static void dev_release(struct lu2kd_chan *ch)
{
	lu2k_loop_io_set(&ch->d->loop, &ch->io, 0);
	close(ch->io.fd);
	ch->io.fd = -1;
}

static const struct lu2kd_chan_ops dev_ops = {
	.name = "device",
	.kick = dev_kick,
	.release = dev_release,
};

static void dev_event(struct lu2k_io *io, uint32_t revents)
{
	struct lu2kd_chan *ch = lu2k_container_of(io, struct lu2kd_chan, io);

	if (revents & (EPOLLHUP | EPOLLERR)) {
		lu2kd_chan_detach(ch, "the module hung up");
		return;
	}
	ch->st.kicks_in++; /* the idle hook drains the rings */
}

int lu2kd_attach_device(struct lu2kd *d, const char *path)
{
	struct lu2k_setup s;
	struct lu2kd_chan *ch;
	int fd, rc;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		LOG_ERR("%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	memset(&s, 0, sizeof(s));
	s.version = LU2K_ABI_VERSION;
	s.features = LU2K_FEAT_ALL;
	if (ioctl(fd, LU2K_IOC_SETUP, &s) < 0) {
		rc = -errno;
		LOG_ERR("%s: LU2K_IOC_SETUP: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	rc = lu2k_setup_check(&s, LU2K_ABI_VERSION, LU2K_FEAT_ALL);
	if (!rc && lu2k_nid_check(&s.nid, s.features))
		rc = -EINVAL;
	if (!rc && lu2kd_chan_by_nid(d, &s.nid))
		rc = -EADDRINUSE;
	ch = rc ? NULL : calloc(1, sizeof(*ch));
	if (!rc && !ch)
		rc = -ENOMEM;
	if (!rc) {
		ch->ops = &dev_ops;
		snprintf(ch->origin, sizeof(ch->origin), "%s", path);
		rc = lu2kd_chan_map(ch, fd, &s);
		if (rc)
			free(ch);
	}
	if (rc) {
		LOG_ERR("%s: setup answer refused: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	lu2k_loop_io_init(&ch->io, fd, dev_event);
	ch->d = d;
	rc = lu2kd_chan_start(d, ch);
	if (rc) {
		lu2kd_rxalloc_fini(&ch->rxa);
		munmap(ch->region, ch->region_size);
		close(fd);
		free(ch);
		return rc;
	}
	d->st.attaches++;
	if (lu2k_loop_io_set(&d->loop, &ch->io, EPOLLIN))
		lu2kd_chan_detach(ch, "cannot poll the device");
	return 0;
}
