// SPDX-License-Identifier: MIT
/*
 * linkem_netns.c - namespaces, TUN devices and addresses for lu2k-linkem.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linkem_netns.h"

extern char **environ;

int linkem_ip(const char *const args[])
{
	const char *argv[32];
	posix_spawnattr_t attr;
	sigset_t none;
	int n = 0, status, rc;
	pid_t pid;

	argv[n++] = "ip";
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	/* our signals are blocked for signalfd; ip must get the defaults */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&pid, "ip", NULL, &attr, (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		fprintf(stderr, "lu2k-linkem: cannot run ip: %s\n", strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

bool linkem_ns_exists(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return stat(path, &st) == 0;
}

/* Opens a TUN device named dev inside namespace ns; returns the fd or -errno. */
static int tun_open_in(const char *ns, const char *dev)
{
	char path[128];
	struct ifreq ifr;
	int self, target, fd = -1, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		err = -errno;
		close(self);
		return err;
	}
	/* a TUN device is born in the namespace of the thread that makes it */
	if (setns(target, CLONE_NEWNET) < 0) {
		err = -errno;
		goto out;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
	} else {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
			err = -errno;
			close(fd);
		}
	}
	if (setns(self, CLONE_NEWNET) < 0 && !err)
		err = -errno; /* cannot happen short of a kernel bug; do not go on */
out:
	close(self);
	close(target);
	return err ? err : fd;
}

static void side_addrs(const struct linkem_config *cfg, int i, struct linkem_side *s)
{
	struct in_addr a4 = cfg->net4;
	struct in6_addr a6 = cfg->net6;
	char buf[INET6_ADDRSTRLEN];

	/* host part is zero (checked by the parser): add 1 for A, 2 for B */
	a4.s_addr = htonl(ntohl(a4.s_addr) + (uint32_t)i + 1);
	inet_ntop(AF_INET, &a4, buf, sizeof(buf));
	s->addr4[0] = '\0';
	if (cfg->ipv4)
		snprintf(s->addr4, sizeof(s->addr4), "%s/%u", buf, cfg->plen4);
	s->addr6[0] = '\0';
	if (cfg->ipv6) {
		a6.s6_addr[15] = (uint8_t)(a6.s6_addr[15] + i + 1);
		inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
		snprintf(s->addr6, sizeof(s->addr6), "%s/%u", buf, cfg->plen6);
	}
}

static int side_setup(const struct linkem_config *cfg, int i, struct linkem_side *s)
{
	char mtu[16], txq[16];
	int fd;

	snprintf(mtu, sizeof(mtu), "%u", cfg->dev_mtu);
	snprintf(txq, sizeof(txq), "%u", cfg->txqueuelen);
	if (cfg->attach) {
		if (!linkem_ns_exists(s->ns)) {
			fprintf(stderr, "lu2k-linkem: namespace '%s' does not exist (--attach)\n",
				s->ns);
			return -1;
		}
	} else {
		if (linkem_ns_exists(s->ns)) {
			fprintf(stderr,
				"lu2k-linkem: namespace '%s' exists already "
				"(give --attach to use it)\n",
				s->ns);
			return -1;
		}
		if (linkem_ip((const char *[]){ "netns", "add", s->ns, NULL })) {
			fprintf(stderr, "lu2k-linkem: cannot create namespace '%s'\n", s->ns);
			return -1;
		}
		s->made_ns = true;
		if (linkem_ip((const char *[]){ "-n", s->ns, "link", "set", "lo", "up", NULL }))
			return -1;
	}
	fd = tun_open_in(s->ns, s->dev);
	if (fd < 0) {
		fprintf(stderr, "lu2k-linkem: cannot create TUN device '%s' in '%s': %s%s\n",
			s->dev, s->ns, strerror(-fd),
			fd == -EBUSY ? " (a device of that name is in use)" : "");
		return -1;
	}
	s->tun_fd = fd;
	if (linkem_ip((const char *[]){ "-n", s->ns, "link", "set", "dev", s->dev, "mtu", mtu,
					"txqueuelen", txq, "up", NULL }) ||
	    (s->addr4[0] && linkem_ip((const char *[]){ "-n", s->ns, "addr", "add", s->addr4, "dev",
							s->dev, NULL }))) {
		fprintf(stderr, "lu2k-linkem: cannot configure '%s' in '%s'\n", s->dev, s->ns);
		return -1;
	}
	/* nodad: the address is usable at once, and only we are on this link */
	if (s->addr6[0] && linkem_ip((const char *[]){ "-n", s->ns, "-6", "addr", "add", s->addr6,
						       "dev", s->dev, "nodad", NULL })) {
		fprintf(stderr, "lu2k-linkem: cannot add %s in '%s' (IPv6 off? try --no-ipv6)\n",
			s->addr6, s->ns);
		return -1;
	}
	return 0;
}

int linkem_sides_setup(const struct linkem_config *cfg, struct linkem_side side[2])
{
	for (int i = 0; i < 2; i++) {
		memset(&side[i], 0, sizeof(side[i]));
		side[i].tun_fd = -1;
		snprintf(side[i].ns, sizeof(side[i].ns), "%s", cfg->ns[i]);
		snprintf(side[i].dev, sizeof(side[i].dev), "%s", cfg->dev[i]);
		side_addrs(cfg, i, &side[i]);
	}
	for (int i = 0; i < 2; i++) {
		if (side_setup(cfg, i, &side[i])) {
			linkem_sides_teardown(side);
			return -1;
		}
	}
	return 0;
}

void linkem_sides_teardown(struct linkem_side side[2])
{
	for (int i = 0; i < 2; i++) {
		/* a TUN device that is not persistent goes away with its last fd */
		if (side[i].tun_fd >= 0)
			close(side[i].tun_fd);
		side[i].tun_fd = -1;
		if (side[i].made_ns &&
		    linkem_ip((const char *[]){ "netns", "delete", side[i].ns, NULL }))
			fprintf(stderr, "lu2k-linkem: could not delete namespace '%s'\n",
				side[i].ns);
		side[i].made_ns = false;
	}
}
