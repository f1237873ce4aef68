// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_st_run.c - what lu2k_selftest sends and how it checks what it gets.
 *
 * Payloads are slices of one pseudo-random pattern, starting at a per-message
 * shift, so a receiver checks any message from its header alone, and a byte
 * in the wrong place or a message cut short shows. Every message of a run has
 * its own completion counter: a second completion is counted as tx_dup.
 */
#define pr_fmt(fmt) "lu2k_selftest: " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include "lu2k_st.h"

struct st_counters st_cnt;
const u8 *st_pattern;
static atomic_t st_run_ids = ATOMIC_INIT(0);

struct st_run;

struct st_tx {
	struct st_run	*run;
	atomic_t	done;
	struct kvec	kv;	/* lives as long as the run: lu2k_send() may keep it */
};

struct st_run {
	struct list_head	link;		/* st_runs */
	atomic_t		inflight;
	atomic_t		errors;		/* completions with an error */
	wait_queue_head_t	wq;
	u32			count;
	struct st_tx		*tx;
};

/*
 * Runs are kept until unload, so that a completion that comes late (or twice,
 * which would be a bug of lu2klnd) still finds its counter.
 */
static LIST_HEAD(st_runs);
static DEFINE_MUTEX(st_runs_lock);

static u64 st_xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int st_pattern_init(void)
{
	u64 s = 0x9e3779b97f4a7c15ULL;
	u8 *p;
	u32 i;

	p = vmalloc(ST_MAX_PAYLOAD + ST_SHIFT_SPAN);
	if (!p)
		return -ENOMEM;
	for (i = 0; i < ST_MAX_PAYLOAD + ST_SHIFT_SPAN; i += 8) {
		u64 v = st_xorshift(&s);

		memcpy(p + i, &v, 8);
	}
	st_pattern = p;
	return 0;
}

void st_pattern_fini(void)
{
	vfree(st_pattern);
}

static bool st_rx_check(struct lu2k_rx *rx)
{
	const struct st_hdr *h;
	struct iov_iter it;
	struct kvec kv;
	u32 hlen, len, shift, off, n;
	u8 *buf;
	bool ok = true;

	h = lu2k_rx_hdr(rx, &hlen);
	if (hlen != ST_HDR_LEN || le32_to_cpu(h->magic) != ST_MAGIC)
		return false;
	len = le32_to_cpu(h->len);
	shift = le32_to_cpu(h->shift);
	if (len != lu2k_rx_payload_len(rx) || len > ST_MAX_PAYLOAD || shift >= ST_SHIFT_SPAN)
		return false;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return false;
	for (off = 0; off < len && ok; off += n) {
		n = min_t(u32, PAGE_SIZE, len - off);
		kv.iov_base = buf;
		kv.iov_len = n;
		iov_iter_kvec(&it, ITER_DEST, &kv, 1, n);
		ok = !lu2k_rx_copy(rx, off, &it, n) && !memcmp(buf, st_pattern + shift + off, n);
	}
	kfree(buf);
	return ok;
}

/* "hold N": keep up to N received messages (a daemon's RX pool fills up). */
static DEFINE_MUTEX(st_hold_lock);
static struct lu2k_rx **st_held;
static u32 st_nheld, st_hold_max;

int st_hold(u32 max)
{
	int rc = 0;

	mutex_lock(&st_hold_lock);
	if (st_held) {
		rc = -EBUSY;
	} else {
		st_held = kvcalloc(max, sizeof(*st_held), GFP_KERNEL);
		st_hold_max = st_held ? max : 0;
		rc = st_held ? 0 : -ENOMEM;
	}
	mutex_unlock(&st_hold_lock);
	return rc;
}

u32 st_held_count(void)
{
	u32 n;

	mutex_lock(&st_hold_lock);
	n = st_nheld;
	mutex_unlock(&st_hold_lock);
	return n;
}

/* Give every held message back. */
int st_release(void)
{
	struct lu2k_rx **held;
	u32 i, n;

	mutex_lock(&st_hold_lock);
	held = st_held;
	n = st_nheld;
	st_held = NULL;
	st_nheld = 0;
	st_hold_max = 0;
	mutex_unlock(&st_hold_lock);
	for (i = 0; i < n; i++)
		lu2k_rx_done(held[i]);
	kvfree(held);
	return 0;
}

static bool st_hold_rx(struct lu2k_rx *rx)
{
	bool held = false;

	mutex_lock(&st_hold_lock);
	if (st_nheld < st_hold_max) {
		st_held[st_nheld++] = rx;
		held = true;
	}
	mutex_unlock(&st_hold_lock);
	return held;
}

void st_rx(struct lu2k_ni *ni, struct lu2k_rx *rx)
{
	if (st_rx_check(rx)) {
		atomic64_inc(&st_cnt.rx_ok);
		atomic64_add(lu2k_rx_payload_len(rx), &st_cnt.rx_bytes);
	} else {
		atomic64_inc(&st_cnt.rx_bad);
		pr_warn_ratelimited("bad message of %u bytes\n", lu2k_rx_payload_len(rx));
	}
	if (!st_hold_rx(rx))
		lu2k_rx_done(rx);
}

void st_tx_done(struct lu2k_ni *ni, void *priv, int status)
{
	struct st_tx *t = priv;
	struct st_run *run = t->run;

	if (atomic_inc_return(&t->done) > 1) {
		atomic64_inc(&st_cnt.tx_dup);
		return;
	}
	if (status) {
		atomic64_inc(&st_cnt.tx_err);
		if (status == -ECONNRESET)
			atomic64_inc(&st_cnt.tx_reset);
		atomic_inc(&run->errors);
	} else {
		atomic64_inc(&st_cnt.tx_ok);
	}
	atomic_dec(&run->inflight);
	wake_up(&run->wq);
}

static u32 st_size(u32 i, u32 min, u32 max, u64 *rnd)
{
	if (min >= max)
		return min;
	switch (i % 8) {
	case 0:
		return min;
	case 1:
		return max;
	default:
		return min + (u32)(st_xorshift(rnd) % ((u64)max - min + 1));
	}
}

/* *m = max(*m, v), with other senders at it too. */
static void st_max(atomic64_t *m, s64 v)
{
	s64 cur = atomic64_read(m);

	while (v > cur && !atomic64_try_cmpxchg(m, &cur, v))
		;
}

/*
 * Send one message, waiting while the interface is out of credits or room
 * (with queue, lu2k_send() waits for room itself: LU2K_SEND_MAY_QUEUE).
 */
static int st_send_one(struct lu2k_ni *ni, struct st_run *run, const struct st_send_opts *o,
		       u32 i, u32 size, u32 shift, u32 run_id)
{
	struct lu2k_send_args a = { .target = &o->to };
	unsigned long stall = jiffies + 30 * HZ;
	struct st_tx *t = &run->tx[i];
	struct st_hdr h = {};
	struct iov_iter it;
	int rc;

	h.magic = cpu_to_le32(ST_MAGIC);
	h.len = cpu_to_le32(size);
	h.shift = cpu_to_le32(shift);
	h.run = cpu_to_le32(run_id);
	h.seq = cpu_to_le64(i);
	a.hdr = &h;
	a.hdr_len = sizeof(h);
	a.payload_len = size;
	a.priv = t;
	a.flags = o->queue ? LU2K_SEND_MAY_QUEUE : 0;
	a.nexthop = o->routed ? &o->via : NULL;
	t->kv.iov_base = (void *)(st_pattern + shift);
	t->kv.iov_len = size;
	for (;;) {
		int before = atomic_read(&run->inflight);

		ktime_t t0;

		iov_iter_kvec(&it, ITER_SOURCE, &t->kv, 1, size);
		a.payload = size ? &it : NULL;
		atomic_inc(&run->inflight);
		t0 = ktime_get();
		rc = lu2k_send(ni, &a);
		if (size <= 4096)
			st_max(&st_cnt.small_send_max_us, ktime_us_delta(ktime_get(), t0));
		if (!rc)
			return 0;
		atomic_dec(&run->inflight);
		if (rc != -EAGAIN || time_after(jiffies, stall))
			return rc;
		/* Out of credits or room: wait for a completion (or a moment). */
		wait_event_timeout(run->wq, atomic_read(&run->inflight) < before ||
				   before == 0, HZ / 50);
	}
}

int st_run_send(struct lu2k_ni *ni, const struct st_send_opts *o)
{
	u32 count = o->count, min = o->min, max = o->max, window = o->window;
	u32 run_id = atomic_inc_return(&st_run_ids);
	u64 rnd = 0x2545f4914f6cdd1dULL ^ run_id;
	struct st_run *run;
	long left;
	int rc = 0;
	u32 i;

	if (min > max || max > ST_MAX_PAYLOAD || !count || count > (1U << 20) || !window)
		return -EINVAL;
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	run->tx = kvcalloc(count, sizeof(*run->tx), GFP_KERNEL);
	if (!run->tx) {
		kfree(run);
		return -ENOMEM;
	}
	run->count = count;
	init_waitqueue_head(&run->wq);
	atomic_set(&run->inflight, 0);
	for (i = 0; i < count; i++)
		run->tx[i].run = run;
	mutex_lock(&st_runs_lock);
	list_add(&run->link, &st_runs);
	mutex_unlock(&st_runs_lock);

	for (i = 0; i < count; i++) {
		u32 size = st_size(i, min, max, &rnd);
		u32 shift = (u32)(st_xorshift(&rnd) % ST_SHIFT_SPAN);

		left = wait_event_timeout(run->wq, atomic_read(&run->inflight) < window, 120 * HZ);
		if (!left) {
			rc = -ETIMEDOUT;
			break;
		}
		rc = st_send_one(ni, run, o, i, size, shift, run_id);
		if (rc) {
			atomic64_inc(&st_cnt.send_err);
			pr_info("run %u: send %u of %u failed: %d\n", run_id, i, count, rc);
			break;
		}
		atomic64_inc(&st_cnt.tx_sent);
	}
	left = wait_event_timeout(run->wq, atomic_read(&run->inflight) == 0, 120 * HZ);
	if (!left)
		return -ETIMEDOUT;
	if (!rc && atomic_read(&run->errors))
		rc = -EIO;
	return rc;
}

/* At unload, after every interface is destroyed (no completion can come). */
void st_runs_free(void)
{
	struct st_run *run, *tmp;

	list_for_each_entry_safe(run, tmp, &st_runs, link) {
		kvfree(run->tx);
		kfree(run);
	}
}
