/* SPDX-License-Identifier: MIT */
/*
 * path_sched.h - which of a peer's paths carries the next message.
 *
 * A peer reachable over several paths (local/remote address pairs, each one
 * unidirectional connection with its own congestion control) keeps one
 * struct lu2kd_ps. The engine has no I/O and no clock: the caller tells it
 * what happened (a message given to a path, its completion, acknowledged
 * bytes, an RTT sample, a probe's answer) with the time in nanoseconds, and
 * asks it which path to use and what to do when time passes.
 *
 * CHOICE. A message goes where it is expected to be delivered first:
 *
 *   ahead  = max(0, outstanding - rate * srtt)   (bytes not on the wire yet)
 *   arrive = (ahead + len) / rate + srtt / 2
 *
 * rate is the path's measured delivery rate (bytes acknowledged per second
 * over windows of a few RTTs while the path had work; a window in which the
 * path ran dry only raises it, and such a path is judged at 5/4 of its rate so
 * that an under-fed path grows into its link). Messages up to small_max go to
 * the up path with the lowest RTT. A path not measured yet gets the next
 * large message when it holds none, so that it is measured.
 *
 * LATE BINDING. A path is given a large message only while its transport
 * has less than unsent_horizon of its rate queued and not yet sent (the
 * caller reports that with lu2kd_ps_on_unsent, udt and tcp can), or, when
 * that is unknown, while it holds less than twice its pipe (rate * srtt,
 * so that an underestimated rate still fills it), horizon = max(srtt / 2,
 * horizon_min) of its rate, and one message (lu2kd_ps_has_room). The rest
 * waits with the caller, in order,
 * so that what a dead path held and is sent again goes first, after at
 * most that horizon and one message on the path that takes it, instead of
 * behind every message given out before. Which path a waiting message
 * will take is planned as early binding would (lu2kd_ps_plan_next: as if
 * the waiting messages before it were on their paths already), so the
 * shares of the paths are those of early binding.
 *
 * DEATH. A path that holds work and has shown no progress (an acknowledged
 * byte, a completion) for max(dead_rtts * its srtt, dead_min) - plus, when its
 * back-end reports only whole messages, the time its largest message takes at
 * its rate; and before its first RTT sample at least dead_unknown (a path
 * whose connection is up before its handshake ended, the udt back-end's
 * first flight, may be a satellite hop: its first answer takes a round trip
 * nobody measured yet) - is dead: lu2kd_ps_tick() says so once, and pick() leaves it. The
 * caller either takes back what the path held (reporting each message with
 * lu2kd_ps_on_done(status < 0)) or lets it wait there. A dead path is probed
 * every probe_ns; a probe answered (lu2kd_ps_on_probe), or any delivery on it
 * (on_done(0), on_progress), brings it back, measured afresh.
 */
#ifndef LU2K_DAEMON_PATH_SCHED_H
#define LU2K_DAEMON_PATH_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define LU2K_PS_MAX 8

enum lu2kd_ps_state {
	LU2K_PS_UP,	 /* takes messages */
	LU2K_PS_DOWN,	 /* dead; probed every probe_ns */
	LU2K_PS_PROBING, /* a probe is out; no answer by next_probe: down again */
};

const char *lu2kd_ps_state_str(enum lu2kd_ps_state s);

struct lu2kd_ps_cfg {
	uint32_t small_max;	    /* bytes: messages this small go to the lowest RTT */
	uint32_t dead_rtts;	    /* RTTs of silence, with work held, that kill a path */
	uint64_t dead_min_ns;	    /* ... but never less than this */
	uint64_t dead_unknown_ns;   /* ... nor, before the first RTT sample, than this */
	uint64_t probe_ns;	    /* a dead path is probed this often */
	uint64_t rate_init;	    /* bytes/s assumed of a path not measured yet */
	uint64_t rtt_init_ns;	    /* RTT assumed before the first sample */
	uint64_t win_min_ns;	    /* shortest rate-measuring window */
	uint64_t horizon_min_ns;    /* a path holds at least this much work beyond its pipe */
	uint64_t unsent_horizon_ns; /* ... or this much unsent, where that is known */
};

struct lu2kd_ps_path {
	enum lu2kd_ps_state state;
	bool rtt_known, rate_known;
	bool fine; /* the caller reports acknowledged bytes, not only completions */
	uint64_t srtt_ns, min_rtt_ns;
	uint64_t rate;	      /* bytes/s delivered */
	uint64_t outstanding; /* bytes given and not yet completed */
	uint32_t nout;	      /* messages given and not yet completed */
	uint64_t max_len;     /* the largest message it was given */
	bool unsent_known;    /* the transport reports what it has not sent yet */
	uint64_t unsent;      /* bytes, at the last report, and given since */
	uint64_t last_progress_ns;
	uint64_t next_probe_ns;
	/* the rate window */
	uint64_t win_start_ns, win_bytes;
	bool win_limited; /* ran dry during the window */
	/* for lu2kctl */
	uint32_t loss_ppm;
	uint64_t bytes_total, msgs_total, bytes_done, deaths, revivals, failed;
	uint64_t down_since_ns; /* when it last died, 0 while up (or never died) */
	uint64_t down_ns;	/* time spent left after deaths, up to its last revival */
};

struct lu2kd_ps {
	struct lu2kd_ps_cfg cfg;
	struct lu2kd_ps_path p[LU2K_PS_MAX];
	unsigned int n;
};

struct lu2kd_ps_events {
	uint32_t died;	/* bit i: path i just died; take back what it holds */
	uint32_t probe; /* bit i: send path i a probe now */
};

/* cfg NULL: the defaults (64 KiB, 2 RTTs, 100 ms, 1 s, 10 Mbit/s, 100 ms, 1 s, 200, 50 ms). */
void lu2kd_ps_init(struct lu2kd_ps *ps, const struct lu2kd_ps_cfg *cfg);
/* A new path, up and not measured. Its index, or -ENOSPC. */
int lu2kd_ps_add(struct lu2kd_ps *ps, uint64_t now);

/* The path for a message of len bytes, or -ENETUNREACH when none is up. */
int lu2kd_ps_pick(const struct lu2kd_ps *ps, uint64_t len, uint64_t now);
/* The same among the paths whose bit is set in allowed (the others are full...). */
int lu2kd_ps_pick_from(const struct lu2kd_ps *ps, uint64_t len, uint64_t now, uint32_t allowed);
/*
 * Late binding over the caller's queue: start with pl zeroed, call it for
 * each queued message in order. The message goes where early binding would
 * put it, counting the ones before it that wait (pl); a path index: send it
 * there now; -EAGAIN: it waits (that path has no room, or holds waiting
 * ones already); -ENETUNREACH: no path is up. Small messages always go.
 */
struct lu2kd_ps_plan {
	uint64_t extra[LU2K_PS_MAX]; /* bytes of waiting messages planned for each path */
};
int lu2kd_ps_plan_next(const struct lu2kd_ps *ps, struct lu2kd_ps_plan *pl, uint64_t len,
		       uint64_t now, uint32_t allowed);
/*
 * May path i take a message of len bytes now (see LATE BINDING)? Small ones
 * always may; a large one waits while the best path has no room.
 */
bool lu2kd_ps_has_room(const struct lu2kd_ps *ps, unsigned int i, uint64_t len);
/* Its estimated delivery time on path i from now (ns), as pick() judges it. */
uint64_t lu2kd_ps_estimate(const struct lu2kd_ps *ps, unsigned int i, uint64_t len);

void lu2kd_ps_on_send(struct lu2kd_ps *ps, unsigned int i, uint64_t len, uint64_t now);
/* A message given to path i completed: 0 delivered, < 0 taken back or failed. */
void lu2kd_ps_on_done(struct lu2kd_ps *ps, unsigned int i, uint64_t len, int status, uint64_t now);
/*
 * The transport says path i delivers: acknowledgements or bytes, any count
 * > 0 (liveness only; the rate comes from on_done). The first call, even
 * with 0, says such reports will come, so silence is judged without waiting
 * for whole messages.
 */
void lu2kd_ps_on_progress(struct lu2kd_ps *ps, unsigned int i, uint64_t bytes, uint64_t now);
void lu2kd_ps_on_rtt(struct lu2kd_ps *ps, unsigned int i, uint64_t rtt_ns, uint64_t now);
void lu2kd_ps_on_loss(struct lu2kd_ps *ps, unsigned int i, uint32_t loss_ppm);
/* Path i's transport holds this many bytes it has not sent yet (late binding). */
void lu2kd_ps_on_unsent(struct lu2kd_ps *ps, unsigned int i, uint64_t unsent);
/* The connection of path i is gone: dead now (no event from tick for it). */
void lu2kd_ps_set_down(struct lu2kd_ps *ps, unsigned int i, uint64_t now);
/* A probe is out now (e.g. the first connection attempt of a new path). */
void lu2kd_ps_set_probing(struct lu2kd_ps *ps, unsigned int i, uint64_t now);
/*
 * The answer to a probe (ok, with the RTT it measured, 0 if none), or its
 * failure. A success that comes after the probe was given up on still counts:
 * the path works.
 */
void lu2kd_ps_on_probe(struct lu2kd_ps *ps, unsigned int i, bool ok, uint64_t rtt_ns, uint64_t now);

/* Time passed: deaths and probes due now. */
struct lu2kd_ps_events lu2kd_ps_tick(struct lu2kd_ps *ps, uint64_t now);
/* When tick() next has something to do (UINT64_MAX: nothing). */
uint64_t lu2kd_ps_next_deadline(const struct lu2kd_ps *ps);
/* Share of bytes given to path i, in per mille of all paths'. */
uint32_t lu2kd_ps_share_permille(const struct lu2kd_ps *ps, unsigned int i);

#endif
