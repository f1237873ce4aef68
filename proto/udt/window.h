/* SPDX-License-Identifier: MIT */
/*
 * window.h - the ACK history (RTT from ACK/ACK2) and the arrival-time windows
 * (receiving rate and packet-pair link capacity), all in microseconds.
 */
#ifndef LU2K_UDT_WINDOW_H
#define LU2K_UDT_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define UDT_ACKWIN_SIZE 1024
/* entries allocated at the first ACK; the ring doubles up to UDT_ACKWIN_SIZE */
#define UDT_ACKWIN_INIT 16

/*
 * Every full ACK the receiver sends is remembered with its send time; the
 * ACK2 that echoes its ACK number gives one RTT sample. Older entries than the
 * one acknowledged are forgotten (their ACK2s were lost or overtaken). The
 * ring grows before it would forget one, so it forgets what a ring of
 * UDT_ACKWIN_SIZE would (without memory it forgets earlier; no crash).
 */
struct udt_ackent {
	uint32_t ackno;
	uint32_t ack_seq;
	uint64_t t_ns;
};

struct udt_ackwin {
	struct udt_ackent *e;
	unsigned int cap;	 /* entries allocated (0 until the first ACK) */
	unsigned int head, tail; /* entries [tail, head) */
};

void udt_ackwin_init(struct udt_ackwin *w);
void udt_ackwin_fini(struct udt_ackwin *w);
void udt_ackwin_store(struct udt_ackwin *w, uint32_t ackno, uint32_t ack_seq, uint64_t now_ns);
/*
 * Idle: back to UDT_ACKWIN_INIT entries, keeping the newest ACKs that fit
 * (an ACK2 still on its way for an older one gives no sample, as if the ring
 * had overwritten it). Returns the bytes freed; 0 if the ring is small
 * already or there is no memory for the small one.
 */
size_t udt_ackwin_trim(struct udt_ackwin *w);
/* RTT sample in ns and the ACKed sequence number, or -1 if unknown. */
int64_t udt_ackwin_ack2(struct udt_ackwin *w, uint32_t ackno, uint64_t now_ns, uint32_t *ack_seq);

#define UDT_TW_ARR   16 /* packet arrival intervals kept */
#define UDT_TW_PROBE 64 /* packet-pair intervals kept */
/*
 * Real pairs before the capacity estimate is theirs alone. UDT4 starts its
 * 64 slots at a made-up 1 ms gap, so its median says 1000 packets/s until
 * 33 real pairs have arrived (528 packets: a whole round trip at a
 * satellite hop's first rate, and a sender that believes it is held near
 * 1100 packets/s for another). The median of 8 real gaps is already the
 * bottleneck's; fewer than that, the made-up slots still count.
 */
#define UDT_TW_PROBE_MIN 8

struct udt_timewin {
	int64_t arr[UDT_TW_ARR];     /* ns */
	int64_t probe[UDT_TW_PROBE]; /* ns */
	unsigned int arr_pos, probe_pos;
	unsigned int probe_n; /* real pairs recorded, up to UDT_TW_PROBE */
	uint64_t last_arr_ns, probe1_ns;
	uint32_t probe1_seq;
	uint32_t probe1_sent_us; /* the sender's stamp of the pair's first packet */
	int probe1_valid;
	unsigned int pairs_apart; /* pairs not taken: the sender did not send them together */
};

void udt_timewin_init(struct udt_timewin *w, uint64_t now_ns);
/*
 * Records the arrival of data packet seq at now_ns: bytes is its size on the
 * wire, full_bytes a full packet's (the MSS), so that a pair of small packets
 * measures the capacity in full packets too (0, 0: taken as full); sent_us is
 * the sender's time stamp in its header (us), which tells whether a pair left
 * together.
 */
void udt_timewin_arrival(struct udt_timewin *w, uint32_t seq, uint64_t now_ns, uint32_t bytes,
			 uint32_t full_bytes, uint32_t sent_us);
/* Receiving rate in packets/s from the median-filtered intervals; 0 if too noisy. */
int32_t udt_timewin_rcv_rate(const struct udt_timewin *w);
/* Link capacity in full packets/s from the median-filtered packet-pair gaps. */
int32_t udt_timewin_bandwidth(const struct udt_timewin *w);

#endif
