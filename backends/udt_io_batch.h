/* SPDX-License-Identifier: MIT */
/*
 * udt_io_batch.h - many UDP datagrams per system call, for the udt back-end.
 *
 * Writing: the datagrams gathered for one socket (a batch: equal slots of
 * one buffer, each with its length and, on an unconnected socket, its
 * address) leave with one sendmmsg. A datagram is its slot, or the first
 * bytes of it in its slot (its header) and the rest in up to UDTB_PIECES
 * pieces elsewhere (the message's own memory: no copy of the payload). Where the kernel has UDP GSO
 * (UDP_SEGMENT, Linux 4.18), each run of datagrams of one size to one
 * address (the last may be shorter) is one message of the call: the kernel
 * cuts it into datagrams after routing, once for the run instead of once per
 * datagram. The payload is gathered from the slots and the pieces (iovecs),
 * never copied here; the kernel cuts the run at the segment size whatever
 * the iovecs' boundaries. A kernel or route that refuses GSO (EIO: no checksum
 * offload on the device; EINVAL, ENOPROTOOPT, EOPNOTSUPP) turns it off for
 * that socket and the same datagrams go one by one.
 *
 * Reading: one recvmmsg fills a batch of buffers (udtb_rxb_read). With UDP
 * GRO (UDP_GRO, Linux 5.0) the kernel hands back datagrams of one flow that
 * arrived together as one buffer, with their size in a control message;
 * udtb_rxb_each() cuts such a buffer back into its datagrams (every one of
 * that size but the last) and hands each to the caller, in place (no copy).
 * Without GRO (the kernel lacks it, or the option is off) a buffer is one
 * datagram, read into at most a datagram's bytes.
 *
 * Pure socket I/O, no back-end state: the system calls go through a table
 * (struct udtb_sys) that a unit test replaces to play short writes, EAGAIN
 * and a kernel without GSO.
 */
#ifndef LU2K_BACKENDS_UDT_IO_BATCH_H
#define LU2K_BACKENDS_UDT_IO_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define UDTB_BATCH	   64	 /* datagrams per sendmmsg / recvmmsg */
#define UDTB_GSO_MAX_SEGS  64	 /* the kernel's UDP_MAX_SEGMENTS */
#define UDTB_GSO_MAX_BYTES 65000 /* below an IP datagram's 64 KiB with its headers */
#define UDTB_GRO_BUF	   65536 /* bytes of a receive buffer with GRO on */
#define UDTB_PIECES	   2	 /* pieces of a datagram outside its slot */

struct udtb_sys {
	int (*sendmmsg)(int fd, struct mmsghdr *mm, unsigned int n, int flags);
	int (*recvmmsg)(int fd, struct mmsghdr *mm, unsigned int n, int flags, struct timespec *t);
};

extern const struct udtb_sys udtb_sys_real;

/* Datagrams [off, n) of a batch are still to be written. */
struct udtb_txb {
	uint8_t *buf; /* datagram i at buf + i * slot */
	size_t slot;
	unsigned int n, off;
	uint32_t len[UDTB_BATCH]; /* the datagram's bytes */
	/* npieces[i] > 0: datagram i is hlen[i] bytes of its slot, then its pieces */
	uint32_t hlen[UDTB_BATCH];
	uint8_t npieces[UDTB_BATCH];
	struct iovec piece[UDTB_BATCH][UDTB_PIECES];
	struct sockaddr_storage *addr; /* NULL: a connected socket */
	socklen_t alen[UDTB_BATCH];
};

struct udtb_txres {
	uint64_t dgrams;   /* datagrams the kernel took */
	uint64_t calls;	   /* sendmmsg calls */
	uint64_t gso_msgs; /* messages of more than one datagram */
	uint64_t dropped;  /* datagrams that cannot go (no route, ICMP error...) */
	int err;	   /* the last such error (-errno), 0: none */
	bool gso_refused;  /* the kernel refused GSO here: it is off now */
};

/*
 * Writes the batch's datagrams from off on, with GSO while *gso. Returns 0
 * when all are out (or dropped), -EAGAIN when the socket buffer is full
 * (off says what is left). Adds to *res.
 */
int udtb_txb_send(const struct udtb_sys *sys, int fd, struct udtb_txb *b, bool *gso,
		  struct udtb_txres *res);

union udtb_rx_ctl {
	char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(int)) +
		 CMSG_SPACE(sizeof(uint32_t))];
	struct cmsghdr align;
};

/* A batch of n receive buffers of slot bytes at buf, each read up to want bytes. */
struct udtb_rxb {
	uint8_t *buf;
	size_t slot, want;
	unsigned int n; /* at most UDTB_BATCH */
	struct mmsghdr mm[UDTB_BATCH];
	struct iovec iov[UDTB_BATCH];
	struct sockaddr_storage ss[UDTB_BATCH];
	union udtb_rx_ctl ctl[UDTB_BATCH];
};

/*
 * One recvmmsg into the batch (EINTR is tried again): the number of buffers
 * filled (fewer than n: the socket is empty), -EAGAIN when nothing waits, or
 * another -errno (a connected socket's ICMP error: -ECONNREFUSED...).
 */
int udtb_rxb_read(const struct udtb_sys *sys, int fd, struct udtb_rxb *b);

/* A datagram of a received buffer; false stops the walk. */
typedef bool (*udtb_dgram_fn)(void *ctx, uint8_t *p, size_t len);
/*
 * Hands each datagram of filled buffer i to fn, in order: the buffer whole,
 * or with gro, cut at GRO's segment size. Returns how many were handed
 * over: 0 for an empty one, and for one the kernel truncated (MSG_TRUNC:
 * more than want bytes came, none of it is a datagram we can trust).
 */
unsigned int udtb_rxb_each(struct udtb_rxb *b, unsigned int i, bool gro, udtb_dgram_fn fn,
			   void *ctx);

/* Does this kernel have UDP GSO and GRO? (A socket of the family, asked once.) */
bool udtb_probe_gso(int family);
bool udtb_probe_gro(int family);
/* Turns GRO on for a socket: 0, or -errno (then datagrams come one by one). */
int udtb_sock_set_gro(int fd);

/* The size of the datagrams in a received buffer: GRO's control message, else len. */
size_t udtb_gro_size(const struct msghdr *h, size_t len);

/*
 * Datagrams the kernel dropped at a socket because its receive buffer was
 * full: SO_RXQ_OVFL puts the socket's running count beside each datagram
 * read. udtb_sock_set_rxq_ovfl() turns it on (0, or -errno); udtb_rxq_ovfl()
 * reads it from a received message's control data (false: none there).
 */
int udtb_sock_set_rxq_ovfl(int fd);
bool udtb_rxq_ovfl(const struct msghdr *h, uint32_t *count);

/*
 * How full a socket's receive buffer is, in the kernel's count (SO_MEMINFO,
 * Linux 4.12: each datagram's true size): 0, or -errno.
 */
int udtb_sock_rmem(int fd, uint64_t *used, uint64_t *cap);

#endif
