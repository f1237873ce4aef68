/* SPDX-License-Identifier: MIT */
/*
 * tcp_io.c - the byte streams of the tcp back-end.
 *
 * Writing: one writev per round per connection gathers the control bytes
 * (hello, ack) and as many message frames as fit in TCP_IOV_MAX, each frame
 * being two pieces: its 48- or 64-byte header (encoded in the message's be_priv)
 * and its bytes straight from the TX pool. No payload is copied.
 *
 * Reading on an incoming connection: frame headers are read into a 16 KiB
 * staging buffer; once a message header is decoded, the core allocates the
 * message's place in the RX pool (rx_begin) and the rest of the message is
 * read straight into it with readv (the pool range first, then the staging
 * buffer for whatever follows). Only bytes that arrived in the same read as
 * the header are copied, at most the staging size.
 */
#include "tcp.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/nid.h"
#include "common/log.h"

void tcp_conn_update_events(struct lu2k_be_conn *c, bool want_out)
{
	uint32_t ev = 0;

	if (c->state == TCP_DEAD || c->state == TCP_BROKEN)
		return;
	if (c->state == TCP_CONNECTING || want_out || c->close_after_flush)
		ev |= EPOLLOUT;
	/* A paused or refused conn must not be woken by data (or hang-up) it will not read. */
	if (c->state != TCP_CONNECTING && !c->rx_paused && !c->close_after_flush)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (lu2k_loop_io_set(c->be->env.loop, &c->io, ev))
		tcp_conn_break(c, -ENOMEM);
}

void tcp_conn_mark_dirty(struct lu2k_be_conn *c)
{
	if (!lu2k_list_linked(&c->dirty_link))
		lu2k_list_add_tail(&c->be->dirty, &c->dirty_link);
}

static void malformed(struct lu2k_be_conn *c, const char *what, int rc)
{
	char nid[LU2K_NID_STRLEN];

	c->be->st.malformed++;
	LOG_RL(LU2K_LOG_WARN, "tcp: malformed %s from %s (%s): closing that connection", what,
	       c->hello_seen || c->out ? lu2k_nid_format(&c->remote, nid, sizeof(nid)) : "?",
	       strerror(-rc));
	tcp_conn_fail(c, -EPROTO, true);
}

/* Header length of a queued message's frame (MSG, or MSG_ID with an id). */
static uint32_t frame_hlen(const struct lu2k_be_msg *m)
{
	return m->mid.epoch ? LU2K_TCPW_MSGID_HLEN : LU2K_TCPW_MSG_HLEN;
}

/* Frame length of a queued message. */
static uint64_t frame_len(const struct lu2k_be_msg *m)
{
	return frame_hlen(m) + (uint64_t)m->hdr_len + m->payload_len;
}

/* Bytes written: move past control bytes, then whole or partial frames. */
static void consume(struct lu2k_be_conn *c, size_t n)
{
	struct lu2k_be *be = c->be;
	uint32_t ctrl = c->ctrl_len - c->ctrl_off;

	if (ctrl) {
		uint32_t k = n < ctrl ? (uint32_t)n : ctrl;

		c->ctrl_off += k;
		n -= k;
		if (c->ctrl_off == c->ctrl_len)
			c->ctrl_off = c->ctrl_len = 0;
	}
	while (n) {
		struct lu2k_be_msg *m = lu2k_list_first(&c->sendq, struct lu2k_be_msg, be_link);
		uint64_t left = frame_len(m) - m->be_off;

		if (n < left) {
			m->be_off += n;
			break;
		}
		n -= left;
		m->be_off += left;
		lu2k_list_del(&m->be_link);
		lu2k_list_add_tail(&c->ackq, &m->be_link);
		c->nsendq--;
		c->nackq++;
		c->written_seq = m->be_seq;
		c->msgs_tx++;
		c->bytes_tx += m->hdr_len + m->payload_len;
		be->st.msgs_tx++;
		be->st.bytes_tx += m->hdr_len + m->payload_len;
	}
}

void tcp_conn_flush(struct lu2k_be_conn *c)
{
	struct lu2k_be *be = c->be;

	while (c->state == TCP_UP || (c->state == TCP_HELLO && c->close_after_flush)) {
		struct iovec iov[TCP_IOV_MAX];
		struct lu2k_list *pos;
		size_t total = 0;
		int n = 0;
		ssize_t w;

		/* Acks are cumulative: one frame states all that was delivered. */
		if (!c->out && c->ctrl_len == 0 && c->ack_pending > c->ack_sent) {
			c->ctrl_len = (uint32_t)lu2k_tcpw_ack_encode(c->ctrl, c->ack_pending);
			c->ack_sent = c->ack_pending;
			be->st.acks_tx++;
		}
		if (c->ctrl_len > c->ctrl_off) {
			iov[n].iov_base = c->ctrl + c->ctrl_off;
			iov[n++].iov_len = c->ctrl_len - c->ctrl_off;
		}
		lu2k_list_for_each(pos, &c->sendq)
		{
			struct lu2k_be_msg *m = lu2k_container_of(pos, struct lu2k_be_msg, be_link);
			uint64_t data = (uint64_t)m->hdr_len + m->payload_len;

			if (n + 2 > TCP_IOV_MAX)
				break;
			if (m->be_off < frame_hlen(m)) {
				iov[n].iov_base = m->be_priv + m->be_off;
				iov[n++].iov_len = frame_hlen(m) - m->be_off;
				if (data) {
					iov[n].iov_base = (void *)m->buf;
					iov[n++].iov_len = data;
				}
			} else {
				uint64_t d = m->be_off - frame_hlen(m);

				iov[n].iov_base = (char *)m->buf + d;
				iov[n++].iov_len = data - d;
			}
		}
		if (n == 0 && !tcp_sec_out_pending(c)) {
			if (c->close_after_flush) {
				tcp_conn_fail(c, -ECONNREFUSED, false);
				return;
			}
			tcp_conn_update_events(c, false);
			return;
		}
		for (int i = 0; i < n; i++)
			total += iov[i].iov_len;
		w = c->sec ? tcp_sec_writev(c, iov, n) : writev(c->io.fd, iov, n);
		be->st.writev_calls++;
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				tcp_conn_update_events(c, true);
				return;
			}
			tcp_conn_fail(c, -errno, true);
			return;
		}
		consume(c, (size_t)w);
		/* sealed: a record at a time, so less than total is no sign of a full socket */
		if (c->sec ? tcp_sec_out_pending(c) : (size_t)w < total) {
			/* The socket buffer is full: wait for EPOLLOUT. */
			tcp_conn_update_events(c, true);
			return;
		}
	}
}

/* ---- reading ---- */

/*
 * A message is whole: hand it to the core, and acknowledge it only if the
 * kernel half has it now (rx_end 0: posted on its RX ring). A message the
 * core could not take must never be acknowledged: the connection fails, and
 * the sender fails it with every other unacknowledged one.
 */
static void rx_complete(struct lu2k_be_conn *c)
{
	struct lu2k_be *be = c->be;
	uint32_t len = c->rx.hdr_len + c->rx.payload_len;
	int rc;

	c->rx_active = false;
	rc = be->env.rx_end(c->ctx, &c->rx, 0);
	if (c->state != TCP_UP)
		return;
	if (rc < 0) {
		tcp_conn_fail(c, rc, true);
		return;
	}
	c->msgs_rx++;
	c->bytes_rx += len;
	be->st.msgs_rx++;
	be->st.bytes_rx += len;
	c->ack_pending = c->rx_frame.seq;
	tcp_conn_mark_dirty(c);
}

/* Ask the core for the RX range of the message whose header is in rx_frame. */
void tcp_rx_try_begin(struct lu2k_be_conn *c)
{
	struct lu2k_be *be = c->be;
	uint32_t len, k;
	int rc;

	c->rx.hdr_len = c->rx_frame.hdr_len;
	c->rx.payload_len = c->rx_frame.payload_len;
	c->rx.mid.epoch = c->rx_frame.epoch;
	c->rx.mid.id = c->rx_frame.id;
	c->rx.mid.low = c->rx_frame.low;
	rc = be->env.rx_begin(c->ctx, &c->rx_frame.target, &c->rx);
	if (c->state != TCP_UP)
		return;
	if (rc == -EAGAIN) {
		/* No room: stop reading; TCP pushes back on the sender. */
		if (!c->rx_paused)
			be->st.rx_pauses++;
		c->rx_paused = true;
		tcp_conn_update_events(c, c->ctrl_len > c->ctrl_off);
		return;
	}
	if (rc < 0) {
		char nid[LU2K_NID_STRLEN];

		LOG_RL(LU2K_LOG_WARN, "tcp: message of %u bytes from %s refused: %s",
		       c->rx.hdr_len + c->rx.payload_len,
		       lu2k_nid_format(&c->remote, nid, sizeof(nid)), strerror(-rc));
		tcp_conn_fail(c, rc, true);
		return;
	}
	if (c->rx_paused) {
		c->rx_paused = false;
		tcp_conn_update_events(c, c->ctrl_len > c->ctrl_off);
	}
	c->rx_active = true;
	c->rx_got = 0;
	len = c->rx.hdr_len + c->rx.payload_len;
	k = c->rlen - c->roff;
	if (k > len)
		k = len;
	memcpy(c->rx.data, c->rbuf + c->roff, k);
	c->roff += k;
	c->rx_got = k;
	if (c->rx_got == len)
		rx_complete(c);
	else
		tcp_conn_body_begun(c);
}

/* Parse what is staged. Returns false if the connection is gone or paused. */
static bool parse(struct lu2k_be_conn *c)
{
	struct lu2k_be *be = c->be;

	while (c->state == TCP_UP || c->state == TCP_HELLO) {
		const uint8_t *p = c->rbuf + c->roff;
		size_t avail = c->rlen - c->roff;
		struct lu2k_tcpw_frame f;
		int rc;

		if (c->rx_active || c->rx_paused)
			return c->rx_active;
		if (!c->hello_seen) {
			struct lu2k_tcpw_hello h;

			rc = lu2k_tcpw_hello_decode(p, avail, &h);
			if (rc == 0)
				break;
			if (rc < 0) {
				malformed(c, "hello", rc);
				return false;
			}
			c->roff += (uint32_t)rc;
			c->hello_seen = true;
			if (c->out) {
				/* The listener's answer: it must be the NID we asked for. */
				if (h.status < 0) {
					char nid[LU2K_NID_STRLEN];

					LOG_RL(LU2K_LOG_WARN, "tcp: %s refused our hello: %s",
					       lu2k_nid_format(&c->remote, nid, sizeof(nid)),
					       strerror(-h.status));
					tcp_conn_fail(c, -ECONNREFUSED, true);
					return false;
				}
				if (!lu2k_nid_eq(&h.src, &c->remote) ||
				    !lu2k_nid_eq(&h.dst, &c->local)) {
					malformed(c, "hello answer (wrong NIDs)", -EPROTO);
					return false;
				}
			} else {
				tcp_conn_hello_in(c, &h);
				if (c->close_after_flush) {
					/* Refused: ignore anything else it sends. */
					tcp_conn_update_events(c, true);
					c->roff = c->rlen = 0;
					return false;
				}
			}
			continue;
		}
		rc = lu2k_tcpw_frame_decode(p, avail, be->env.max_msg_size, &f);
		if (rc == 0)
			break;
		if (rc < 0) {
			malformed(c, "frame", rc);
			return false;
		}
		if (f.type == LU2K_TCPW_BYE) {
			/* What follows (EOF, a reset) is the peer closing, not a failure. */
			c->roff += (uint32_t)rc;
			c->peer_bye = true;
			continue;
		}
		if (c->out) {
			struct lu2k_be_msg *m;

			/* Only acks come back, for messages we wrote, never going backwards. */
			if (f.type != LU2K_TCPW_ACK || f.seq <= c->acked_seq ||
			    f.seq > c->written_seq) {
				malformed(c, "ack", -EPROTO);
				return false;
			}
			c->roff += (uint32_t)rc;
			c->acked_seq = f.seq;
			be->st.acks_rx++;
			while ((m = lu2k_list_first(&c->ackq, struct lu2k_be_msg, be_link)) &&
			       m->be_seq <= f.seq) {
				lu2k_list_del(&m->be_link);
				c->nackq--;
				be->env.sent(c->ctx, m, 0);
				if (c->state != TCP_UP)
					return false;
			}
			continue;
		}
		/* Incoming: only messages, seq strictly increasing (cancelled ones leave gaps). */
		if ((f.type != LU2K_TCPW_MSG && f.type != LU2K_TCPW_MSG_ID) ||
		    f.seq < c->expect_seq) {
			malformed(c, "message frame", -EPROTO);
			return false;
		}
		c->roff += (uint32_t)rc;
		c->expect_seq = f.seq + 1;
		c->rx_frame = f;
		tcp_rx_try_begin(c);
	}
	return c->state == TCP_UP || c->state == TCP_HELLO;
}

static void do_read(struct lu2k_be_conn *c);

/*
 * RX space came back. The staging buffer may hold whole frames behind the
 * message that waited: parse them now, since no new byte may ever arrive to
 * trigger it (the sender waits for our acks).
 */
void tcp_conn_rx_resume(struct lu2k_be_conn *c)
{
	tcp_rx_try_begin(c);
	if (c->state == TCP_UP && !c->rx_paused && !c->rx_active)
		parse(c);
	if (c->state == TCP_UP && !c->rx_paused && tcp_sec_in_pending(c))
		do_read(c);
}

static void do_read(struct lu2k_be_conn *c)
{
	struct lu2k_be *be = c->be;

	/* with keys, what is opened already must be taken: no event would come for it */
	for (int i = 0; i < TCP_READS_PER_EVENT || tcp_sec_in_pending(c); i++) {
		struct iovec iov[2];
		int n = 0;
		ssize_t r;

		if (c->state != TCP_UP && c->state != TCP_HELLO)
			return;
		if (c->rx_paused || c->close_after_flush)
			return;
		if (c->roff == c->rlen)
			c->roff = c->rlen = 0;
		if (c->rx_active) {
			uint32_t len = c->rx.hdr_len + c->rx.payload_len;

			iov[n].iov_base = (char *)c->rx.data + c->rx_got;
			iov[n++].iov_len = len - c->rx_got;
		} else if (c->roff > 0 && c->rcap - c->rlen < (c->out ? LU2K_TCPW_HELLO_LEN
								      : LU2K_TCPW_HELLO_MAX)) {
			/* Make room for at least one whole header. */
			memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
			c->rlen -= c->roff;
			c->roff = 0;
		}
		if (c->rlen < c->rcap) {
			iov[n].iov_base = c->rbuf + c->rlen;
			iov[n++].iov_len = c->rcap - c->rlen;
		}
		r = c->sec ? tcp_sec_readv(c, iov, n) : readv(c->io.fd, iov, n);
		be->st.read_calls++;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				tcp_conn_fail(c, c->peer_bye ? -ESHUTDOWN : -errno, true);
			return;
		}
		if (r == 0) {
			tcp_conn_fail(c, c->peer_bye ? -ESHUTDOWN : -ECONNRESET, true);
			return;
		}
		if (c->rx_active) {
			uint32_t want = (uint32_t)iov[0].iov_len;

			if ((size_t)r >= want) {
				c->rx_got += want;
				c->rlen += (uint32_t)((size_t)r - want);
				rx_complete(c);
			} else {
				c->rx_got += (uint32_t)r;
				c->rx_last_ns = be->env.loop->now;
				continue;
			}
		} else {
			c->rlen += (uint32_t)r;
		}
		if (!parse(c) && !c->rx_active)
			return;
	}
}

/* Keys on: the handshake's bytes come before any stream (tcp_sec.h). */
static void secure(struct lu2k_be_conn *c, uint32_t revents)
{
	int rc;

	if (!(revents & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)))
		return;
	rc = tcp_sec_handshake_read(c);
	if (rc < 0) {
		tcp_conn_fail(c, rc, c->out);
		return;
	}
	if (rc > 0 && c->out)
		tcp_conn_connected(c); /* now the hello, and connected() to the core */
}

void tcp_conn_event(struct lu2k_io *io, uint32_t revents)
{
	struct lu2k_be_conn *c = lu2k_container_of(io, struct lu2k_be_conn, io);

	if (c->state == TCP_CONNECTING) {
		int err = 0;
		socklen_t l = sizeof(err);

		if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
			err = errno;
		if (err) {
			c->be->st.connect_errors++;
			tcp_conn_fail(c, -err, true);
			return;
		}
		if (!(revents & EPOLLOUT))
			return;
		tcp_conn_connected(c);
		return;
	}
	if (c->sec && c->sec->state == TCP_SEC_HS) {
		secure(c, revents);
		return;
	}
	if ((revents & (EPOLLERR | EPOLLHUP)) && (c->rx_paused || c->close_after_flush)) {
		tcp_conn_fail(c, -ECONNRESET, !c->close_after_flush);
		return;
	}
	if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
		do_read(c);
	if ((revents & (EPOLLERR | EPOLLHUP)) && c->state != TCP_DEAD && !(revents & EPOLLIN))
		tcp_conn_fail(c, -ECONNRESET, true);
	if ((revents & EPOLLOUT) && (c->state == TCP_UP || c->close_after_flush))
		tcp_conn_flush(c);
	/* Acks for what was just read go out at the end of the round, batched. */
}
