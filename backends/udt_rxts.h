/* SPDX-License-Identifier: MIT */
/*
 * udt_rxts.h - when the kernel received a datagram, for the udt back-end.
 *
 * lu2kd learns of a datagram when its loop gets round to recvmmsg, which on
 * a busy host (every core taken by other processes) can be milliseconds
 * after the datagram came: the kernel's receive timestamp (SO_TIMESTAMPNS,
 * taken in the softirq that queued it) says when it really came. The
 * engine measures RTT (ACK2, and lossy's ACK and NAK samples) and the
 * receiving rate and packet-pair capacity (the time window) to that time,
 * so that lu2kd's own scheduling delay reads neither as path delay (a
 * queue: the sender slows down) nor as packets bunched together (a burst:
 * a link faster than it is). Timers keep the clock.
 *
 * The timestamp is on the real-time clock; lu2kd's clock is the monotonic
 * one: the datagram's age (real time now minus its stamp) is taken from the
 * monotonic time read with it. A datagram without a stamp (the option
 * refused, a kernel that does not stamp) is taken as read at that moment,
 * which is what lu2kd did before.
 *
 * A GRO buffer (several datagrams of one flow coalesced by the kernel)
 * carries one stamp for all of them; udtb_rxts_spread() sets each datagram
 * UDTB_RXTS_SPACING_NS after the one before, so that the engine's receiving
 * rate and packet pairs (which drop intervals of 0) still see each one
 * arrive. That spacing is the most they can say: 1 us made it 1 M
 * packets/s, 11.6 Gbit/s of payload at MSS 1500, and held the udt bulk on
 * loopback there; 250 ns allow 4 M packets/s (46 Gbit/s), which the engine
 * measures in ns (conn_int.h arr_fine_ns).
 */
#ifndef LU2K_BACKENDS_UDT_RXTS_H
#define LU2K_BACKENDS_UDT_RXTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDTB_RXTS_MAX_AGE_NS (10ULL * 1000 * 1000 * 1000) /* older: a clock step, not a wait */
#define UDTB_RXTS_SPACING_NS 250 /* datagrams stamped together: taken as this far apart */

/* Asks the kernel to stamp every datagram received on fd: 0, or -errno. */
int udtb_rxts_enable(int fd);

/* The receive stamp of a message read with recvmsg (ns, real-time clock); false: none. */
bool udtb_rxts_get(const struct msghdr *h, uint64_t *real_ns);

/*
 * When h's datagram came, on the monotonic clock: now_ns (monotonic) and
 * real_ns (real time) were read together after the read. No stamp, a stamp
 * in the future or older than UDTB_RXTS_MAX_AGE_NS (the real-time clock
 * stepped): now_ns.
 */
uint64_t udtb_rxts_arrival(const struct msghdr *h, uint64_t now_ns, uint64_t real_ns);

/*
 * The arrival to hand the engine for the next datagram of a socket whose
 * last datagram was given *last_ns: t, or just after *last_ns if t is not
 * later (a GRO buffer's datagrams, a stamp out of order). Updates *last_ns.
 */
uint64_t udtb_rxts_spread(uint64_t *last_ns, uint64_t t);

#endif
