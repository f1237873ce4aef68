/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * lu2k.h - the channel between the lu2k kernel half and the lu2k daemon.
 *
 * THE CHANNEL
 * ===========
 * The kernel half (lu2klnd.ko behind /dev/lu2k, or liblu2k in user space)
 * keeps LNet's peers and messages. The daemon (lu2kd) keeps connections and
 * runs the transport. One channel joins one network interface (one local NID)
 * to one daemon. Everything they share lives in one memory region that the
 * kernel half creates and the daemon maps:
 *
 *   +--------+---------+----------+---------+-----------+----------+---------+---------+
 *   | header | TX ring | CPL ring | RX ring | FREE ring | EVT ring | TX pool | RX pool |
 *   +--------+---------+----------+---------+-----------+----------+---------+---------+
 *
 * The layout is not fixed: the setup call returns every offset and size
 * (struct lu2k_setup). All integers are little-endian host order (the two
 * sides run on one host); all fields have explicit sizes; every reserved
 * field must be zero and is checked.
 *
 * Attaching. With the module, the daemon opens /dev/lu2k, calls
 * LU2K_IOC_SETUP and mmaps LU2K_MMAP_REGION. With liblu2k, the library
 * connects to the daemon's unix socket and sends one struct lu2k_setup
 * (already answered: offsets filled in) with the region's memfd as
 * SCM_RIGHTS; the daemon replies with a struct lu2k_attach_reply. The socket
 * then stays open for wake-ups (below). In both cases the daemon states the
 * highest version and the features it knows; the kernel half answers with the
 * version and features in force (a subset), or -EPROTO/-EOPNOTSUPP.
 *
 * Rings. Five single-producer single-consumer rings of fixed-size
 * descriptors (include/lu2k/ring.h has the code and the memory ordering):
 *
 *   TX    kernel -> daemon  struct lu2k_tx_desc    a message to send
 *   CPL   daemon -> kernel  struct lu2k_cpl_desc   the outcome of one TX
 *   RX    daemon -> kernel  struct lu2k_rx_desc    a message received
 *   FREE  kernel -> daemon  struct lu2k_free_desc  an RX buffer given back
 *   EVT   daemon -> kernel  struct lu2k_evt_desc   peer up/down, detach
 *
 * Buffers and who owns them.
 *  - TX pool: the kernel half allocates a range, writes the LNet header then
 *    the payload into it, and posts a TX descriptor naming it. From then on
 *    the daemon may read the range (it must not write it) until it posts the
 *    completion with the same cookie; the range then returns to the kernel
 *    half. How the kernel half allocates in its pool is its own business.
 *  - RX pool: the daemon allocates a range, writes a received message (header
 *    then payload) and posts an RX descriptor. The kernel half may read the
 *    range until it posts a FREE descriptor with the same offset; the range
 *    then returns to the daemon.
 *  - Each side validates every descriptor the other hands it (ranges inside
 *    the right pool, lengths, cookies it issued and has not seen completed,
 *    reserved fields zero); a bad descriptor is counted and dropped, and never
 *    affects another message.
 *
 * Exactly one completion. For every TX descriptor the daemon posts exactly one
 * CPL descriptor: status 0 once the peer daemon holds the whole message, or a
 * negative errno (-EHOSTUNREACH, -ECONNREFUSED, -ECONNRESET, -ETIMEDOUT,
 * -EMSGSIZE, -EINVAL, -ECANCELED, ...). Completions may come in any order.
 * A receiver delivers each message at most once, bit-exact.
 *
 * Wake-ups. A consumer that is about to sleep sets LU2K_RING_NEED_WAKEUP in
 * its ring's flags, then checks the ring once more; a producer that has
 * published entries reads the flag and kicks only if it is set.
 * Kernel -> daemon kick: poll()/select() on the /dev/lu2k fd reports POLLIN.
 * Daemon -> kernel kick: ioctl(LU2K_IOC_KICK). With liblu2k both directions
 * are one byte (any value) written to the unix socket.
 *
 * When a side dies. If the daemon goes away (close, crash, kill -9), the
 * kernel half completes every message the daemon had not completed with
 * -ECONNRESET exactly once, reclaims both pools, and accepts a new daemon
 * (a fresh setup; ring indices start again from zero). If the kernel half goes
 * away, the daemon sees POLLHUP (or EOF on the socket), drops what it was
 * sending for that interface, closes its connections, and unmaps the region.
 * A daemon that detaches on purpose posts LU2K_EVT_DETACH first.
 */
#ifndef _UAPI_LU2K_H
#define _UAPI_LU2K_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LU2K_ABI_VERSION	1
#define LU2K_REGION_MAGIC	0x6c75326bU	/* "lu2k" */

/* Features (lu2k_setup.features): a bit set means the side supports it. */
#define LU2K_FEAT_NEED_WAKEUP	(1U << 0)	/* rings honour LU2K_RING_NEED_WAKEUP */
#define LU2K_FEAT_NEXTHOP	(1U << 1)	/* TX names a next hop (LNet routing) */
#define LU2K_FEAT_IPV6		(1U << 2)	/* NIDs may hold IPv6 addresses */
#define LU2K_FEAT_ALL		(LU2K_FEAT_NEED_WAKEUP | LU2K_FEAT_NEXTHOP | LU2K_FEAT_IPV6)

/*
 * A NID, laid out as LNet's struct lnet_nid: size = address bytes - 4 (0 for
 * IPv4, 12 for IPv6), the LND type, the network number (big-endian) and the
 * address in network byte order.
 */
struct lu2k_nid {
	__u8	size;
	__u8	type;
	__be16	num;
	__u8	addr[16];
};

/*
 * The LND type of lu2k NIDs. LNet hands numbers out on request; until one is
 * assigned, lu2k uses the first number past the last one LNet has reserved
 * (see doc/abi.md for the reasoning).
 */
#define LU2K_LND_TYPE		20

/* Largest LNet header carried in a descriptor (lnet_hdr_nid16 fits). */
#define LU2K_HDR_MAX		256

/* Ring flags word. */
#define LU2K_RING_NEED_WAKEUP	(1U << 0)

/* Where one ring lives in the region (offsets in bytes from its start). */
struct lu2k_ring_off {
	__u32	prod;		/* __u32 producer index */
	__u32	cons;		/* __u32 consumer index */
	__u32	flags;		/* __u32 LU2K_RING_* set by the consumer */
	__u32	desc;		/* array of entries descriptors */
	__u32	entries;	/* power of two */
	__u32	entry_size;	/* sizeof the descriptor, for checking */
	__u32	reserved[2];
};

/*
 * LU2K_IOC_SETUP argument. The daemon fills the "in" fields and zeroes the
 * rest; the kernel half fills the "out" fields.
 */
struct lu2k_setup {
	__u32			version;	/* in: highest known; out: in force */
	__u32			features;	/* in: known; out: in force */
	__u32			flags;		/* in: must be 0 */
	__u32			reserved0;
	/* in: the interface to attach (all zero: any free one); out: its NID */
	struct lu2k_nid		nid;
	__u32			reserved1;
	__u64			region_size;	/* out: bytes to mmap */
	__u64			tx_pool_off;	/* out */
	__u64			tx_pool_size;	/* out */
	__u64			rx_pool_off;	/* out */
	__u64			rx_pool_size;	/* out */
	__u32			max_msg_size;	/* out: largest header + payload */
	__u32			peer_credits;	/* out: messages in flight per peer */
	__u32			credits;	/* out: messages in flight in all */
	__u32			timeout_ms;	/* out: default message timeout */
	struct lu2k_ring_off	tx, cpl, rx, free, evt;	/* out */
	__u32			reserved[8];
};

/* The region starts with this header (offset 0). */
struct lu2k_region_hdr {
	__u32	magic;		/* LU2K_REGION_MAGIC */
	__u32	version;	/* LU2K_ABI_VERSION of the creator */
	__u64	size;		/* bytes */
	__u32	reserved[12];
};

/* TX descriptor flags. */
#define LU2K_TX_ROUTED		(1U << 0)	/* nexthop differs from target */
#define LU2K_TX_FLAGS_ALL	(LU2K_TX_ROUTED)

struct lu2k_tx_desc {
	__u64		cookie;		/* kernel's message id, echoed in CPL */
	struct lu2k_nid	target;		/* final destination */
	struct lu2k_nid	nexthop;	/* peer to send to (== target unless routed) */
	__u64		buf_off;	/* start in the region, inside the TX pool */
	__u32		hdr_len;	/* LNet header bytes at buf_off */
	__u32		payload_len;	/* payload bytes right after the header */
	__u32		timeout_ms;	/* 0 = the interface's default */
	__u32		flags;		/* LU2K_TX_* */
	__u32		reserved[2];
};

struct lu2k_cpl_desc {
	__u64	cookie;
	__s32	status;		/* 0 or -errno */
	__u32	reserved;
};

struct lu2k_rx_desc {
	struct lu2k_nid	src;		/* the peer that sent it (LNet's "from" NID) */
	__u32		reserved0;
	__u64		buf_off;	/* start in the region, inside the RX pool */
	__u32		hdr_len;
	__u32		payload_len;
	__u32		alloc_len;	/* bytes of the range (>= hdr + payload) */
	__u32		reserved[3];
};

struct lu2k_free_desc {
	__u64	buf_off;	/* as in the lu2k_rx_desc */
	__u32	alloc_len;	/* as in the lu2k_rx_desc */
	__u32	reserved;
};

enum lu2k_evt_type {
	LU2K_EVT_PEER_UP	= 1,	/* a connection to/from the peer is up */
	LU2K_EVT_PEER_DOWN	= 2,	/* the peer is unreachable (status says why) */
	LU2K_EVT_DETACH		= 3,	/* the daemon is leaving on purpose */
};

struct lu2k_evt_desc {
	__u32		type;		/* enum lu2k_evt_type */
	__s32		status;		/* 0 or -errno */
	struct lu2k_nid	nid;		/* the peer, for PEER_* */
	__u32		reserved[2];
};

/* Reply of the daemon to a liblu2k attach (sent on the unix socket). */
struct lu2k_attach_reply {
	__u32	magic;		/* LU2K_REGION_MAGIC */
	__s32	status;		/* 0 or -errno */
	__u32	version;	/* the daemon's choice (<= the library's) */
	__u32	features;	/* the daemon's choice (subset) */
	__u32	reserved[4];
};

#define LU2K_IOC_MAGIC		0xe2
#define LU2K_IOC_SETUP		_IOWR(LU2K_IOC_MAGIC, 1, struct lu2k_setup)
#define LU2K_IOC_KICK		_IO(LU2K_IOC_MAGIC, 2)

/* mmap offset of the whole region. */
#define LU2K_MMAP_REGION	0ULL

#endif /* _UAPI_LU2K_H */
