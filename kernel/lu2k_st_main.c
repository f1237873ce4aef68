// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_st_main.c - lu2k_selftest.ko: interfaces and the debugfs control.
 *
 * /sys/kernel/debug/lu2k_selftest/ctl takes one command per write:
 *   add NID                                create an interface (a daemon may attach)
 *   del NID                                destroy it
 *   send FROM TO COUNT MIN MAX [WINDOW] [queue] [via=NID]
 *                                          COUNT messages of MIN..MAX payload bytes
 *                                          from interface FROM to NID TO, at most
 *                                          WINDOW (default 16) in flight; returns when
 *                                          all are completed: -EIO if one failed.
 *                                          queue: LU2K_SEND_MAY_QUEUE; via: next hop
 *   wait_attached NID SECONDS              until a daemon is attached to NID
 *   wait_rx N SECONDS                      until N messages were received in all
 *   hold N                                 keep the next N received messages
 *   release                                give them back to the daemon
 *   reset                                  zero the counters
 * /sys/kernel/debug/lu2k_selftest/stats shows the counters and each interface's.
 */
#define pr_fmt(fmt) "lu2k_selftest: " fmt

#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "lu2k_st.h"

struct st_ni {
	struct list_head	link;
	struct lu2k_ni		*ni;
	int			users;		/* running commands; del waits for none */
	char			name[64];
};

static LIST_HEAD(st_nis);
static DEFINE_MUTEX(st_lock);
static DECLARE_WAIT_QUEUE_HEAD(st_wq);	/* rx counts and attachments */
static struct dentry *st_dir;

static void st_rx_wake(struct lu2k_ni *ni, struct lu2k_rx *rx)
{
	st_rx(ni, rx);
	wake_up(&st_wq);
}

static void st_event(struct lu2k_ni *ni, enum lu2k_ni_event ev, const struct lu2k_nid *peer,
		     int status)
{
	wake_up(&st_wq);
}

static const struct lu2k_ni_ops st_ops = {
	.tx_done	= st_tx_done,
	.rx		= st_rx_wake,
	.event		= st_event,
};

/* "a.b.c.d@lu2k[N]" or "[v6]@lu2k[N]". */
static int st_nid_parse(const char *s, struct lu2k_nid *nid)
{
	const char *end;
	u16 num = 0;

	memset(nid, 0, sizeof(*nid));
	nid->type = LU2K_LND_TYPE;
	if (*s == '[') {
		if (!in6_pton(s + 1, -1, nid->addr, ']', &end) || end[1] != '@')
			return -EINVAL;
		nid->size = 12;
		end += 2;
	} else {
		if (!in4_pton(s, -1, nid->addr, '@', &end) || *end != '@')
			return -EINVAL;
		end++;
	}
	if (strncmp(end, "lu2k", 4))
		return -EINVAL;
	end += 4;
	if (*end && kstrtou16(end, 10, &num))
		return -EINVAL;
	nid->num = cpu_to_be16(num);
	return 0;
}

/* Find by name and mark busy; st_put() when done. */
static struct st_ni *st_get(const char *name)
{
	struct st_ni *s;

	mutex_lock(&st_lock);
	list_for_each_entry(s, &st_nis, link) {
		if (!strcmp(s->name, name)) {
			s->users++;
			mutex_unlock(&st_lock);
			return s;
		}
	}
	mutex_unlock(&st_lock);
	return NULL;
}

static void st_put(struct st_ni *s)
{
	mutex_lock(&st_lock);
	s->users--;
	mutex_unlock(&st_lock);
}

static int st_cmd_add(const char *name)
{
	struct lu2k_nid nid;
	struct st_ni *s;

	if (!name || strlen(name) >= sizeof(s->name) || st_nid_parse(name, &nid))
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	strscpy(s->name, name, sizeof(s->name));
	s->ni = lu2k_ni_create(&nid, &st_ops, s);
	if (IS_ERR(s->ni)) {
		int rc = PTR_ERR(s->ni);

		kfree(s);
		return rc;
	}
	mutex_lock(&st_lock);
	list_add_tail(&s->link, &st_nis);
	mutex_unlock(&st_lock);
	return 0;
}

static int st_cmd_del(const char *name)
{
	struct st_ni *s, *found = NULL;

	mutex_lock(&st_lock);
	list_for_each_entry(s, &st_nis, link) {
		if (name && !strcmp(s->name, name)) {
			found = s;
			break;
		}
	}
	if (found && found->users) {
		mutex_unlock(&st_lock);
		return -EBUSY;
	}
	if (found)
		list_del(&found->link);
	mutex_unlock(&st_lock);
	if (!found)
		return -ENOENT;
	lu2k_ni_destroy(found->ni);
	kfree(found);
	return 0;
}

/* send FROM TO COUNT MIN MAX [WINDOW] [queue] [via=NID] */
static int st_cmd_send(char **args)
{
	struct st_send_opts o = { .window = 16 };
	u32 *v[4] = { &o.count, &o.min, &o.max, &o.window };
	struct st_ni *s;
	char *from, *tok;
	int i = 0, rc;

	from = strsep(args, " ");
	tok = strsep(args, " ");
	if (!from || !tok || st_nid_parse(tok, &o.to))
		return -EINVAL;
	while ((tok = strsep(args, " "))) {
		if (!strcmp(tok, "queue"))
			o.queue = true;
		else if (!strncmp(tok, "via=", 4) && !st_nid_parse(tok + 4, &o.via))
			o.routed = true;
		else if (i >= 4 || kstrtou32(tok, 0, v[i++]))
			return -EINVAL;
	}
	if (i < 3)
		return -EINVAL;
	s = st_get(from);
	if (!s)
		return -ENOENT;
	rc = st_run_send(s->ni, &o);
	st_put(s);
	return rc;
}

static u64 st_rx_count(void)
{
	return atomic64_read(&st_cnt.rx_ok) + atomic64_read(&st_cnt.rx_bad);
}

/* Attachments raise no event: look every 10 ms. */
static int st_wait_attached(struct lu2k_ni *ni, u32 secs)
{
	unsigned long end = jiffies + secs * HZ;

	while (!lu2k_ni_attached(ni)) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		if (msleep_interruptible(10))
			return -EINTR;
	}
	return 0;
}

static int st_cmd_wait(const char *what, char **args)
{
	char *a = strsep(args, " "), *b = strsep(args, " ");
	struct st_ni *s;
	u32 n, secs;
	long left;
	int rc;

	if (!a || !b || kstrtou32(b, 0, &secs))
		return -EINVAL;
	if (!strcmp(what, "wait_attached")) {
		s = st_get(a);
		if (!s)
			return -ENOENT;
		rc = st_wait_attached(s->ni, secs);
		st_put(s);
		return rc;
	}
	if (kstrtou32(a, 0, &n))
		return -EINVAL;
	left = wait_event_interruptible_timeout(st_wq, st_rx_count() >= n, secs * HZ);
	if (left < 0)
		return left;
	return left ? 0 : -ETIMEDOUT;
}

static int st_reset(void)
{
	atomic64_t *c = (atomic64_t *)&st_cnt;
	size_t i;

	for (i = 0; i < sizeof(st_cnt) / sizeof(*c); i++)
		atomic64_set(&c[i], 0);
	return 0;
}

static ssize_t st_ctl_write(struct file *file, const char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	char buf[256], *args, *cmd;
	u32 n;
	int rc;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	args = strim(buf);
	cmd = strsep(&args, " ");
	if (!strcmp(cmd, "add"))
		rc = st_cmd_add(strsep(&args, " "));
	else if (!strcmp(cmd, "del"))
		rc = st_cmd_del(strsep(&args, " "));
	else if (!strcmp(cmd, "send"))
		rc = st_cmd_send(&args);
	else if (!strcmp(cmd, "wait_rx") || !strcmp(cmd, "wait_attached"))
		rc = st_cmd_wait(cmd, &args);
	else if (!strcmp(cmd, "hold") && args && !kstrtou32(args, 0, &n))
		rc = st_hold(n);
	else if (!strcmp(cmd, "release"))
		rc = st_release();
	else if (!strcmp(cmd, "reset"))
		rc = st_reset();
	else
		rc = -EINVAL;
	return rc ? rc : len;
}

static const struct file_operations st_ctl_fops = {
	.owner	= THIS_MODULE,
	.write	= st_ctl_write,
	.llseek	= noop_llseek,
};

static int st_stats_show(struct seq_file *m, void *v)
{
	struct lu2k_ni_stats ns;
	struct st_ni *s;

	seq_printf(m, "tx_sent %lld\ntx_ok %lld\ntx_err %lld\ntx_reset %lld\ntx_dup %lld\n",
		   atomic64_read(&st_cnt.tx_sent), atomic64_read(&st_cnt.tx_ok),
		   atomic64_read(&st_cnt.tx_err), atomic64_read(&st_cnt.tx_reset),
		   atomic64_read(&st_cnt.tx_dup));
	seq_printf(m, "send_err %lld\n", atomic64_read(&st_cnt.send_err));
	seq_printf(m, "rx_ok %lld\nrx_bad %lld\nrx_bytes %lld\nheld %u\nsmall_send_max_us %lld\n",
		   atomic64_read(&st_cnt.rx_ok), atomic64_read(&st_cnt.rx_bad),
		   atomic64_read(&st_cnt.rx_bytes), st_held_count(),
		   atomic64_read(&st_cnt.small_send_max_us));
	mutex_lock(&st_lock);
	list_for_each_entry(s, &st_nis, link) {
		lu2k_ni_get_stats(s->ni, &ns);
		seq_printf(m, "ni %s attached %d posted %llu ok %llu err %llu timeout %llu",
			   s->name, lu2k_ni_attached(s->ni), ns.tx_posted, ns.tx_ok, ns.tx_err,
			   ns.tx_timeout);
		seq_printf(m, " rx %llu rx_bytes %llu bad_cpl %llu bad_rx %llu bad_evt %llu",
			   ns.rx_msgs, ns.rx_bytes, ns.bad_cpl, ns.bad_rx, ns.bad_evt);
		seq_printf(m, " bad_ring %llu attaches %llu detaches %llu",
			   ns.bad_ring, ns.attaches, ns.detaches);
		seq_printf(m, " inflight %u inflight_max %u", ns.tx_inflight, ns.tx_inflight_max);
		seq_printf(m, " orphans %u queued %u waited %llu rx_held %u peers %u",
			   ns.tx_orphans, ns.tx_queued, ns.tx_waited, ns.rx_held, ns.peers);
		seq_printf(m, " copied_unlocked %llu copy_detached %llu copying_max %u\n",
			   ns.tx_copied_unlocked, ns.tx_copy_detached, ns.tx_copying_max);
	}
	mutex_unlock(&st_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(st_stats);

static int __init st_init(void)
{
	int rc = st_pattern_init();

	if (rc)
		return rc;
	st_dir = debugfs_create_dir("lu2k_selftest", NULL);
	debugfs_create_file("ctl", 0200, st_dir, NULL, &st_ctl_fops);
	debugfs_create_file("stats", 0400, st_dir, NULL, &st_stats_fops);
	return 0;
}

static void __exit st_exit(void)
{
	struct st_ni *s, *tmp;

	/* No command runs: debugfs files are gone and their writers finished. */
	debugfs_remove_recursive(st_dir);
	st_release();
	list_for_each_entry_safe(s, tmp, &st_nis, link) {
		list_del(&s->link);
		lu2k_ni_destroy(s->ni);
		kfree(s);
	}
	st_runs_free();
	st_pattern_fini();
}

module_init(st_init);
module_exit(st_exit);
MODULE_DESCRIPTION("lu2k test client: verified messages through lu2klnd");
MODULE_LICENSE("GPL");
