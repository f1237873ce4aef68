/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of daemon/accept.c: which NIDs a hello may claim from which
 * source address (issue 14: a hello claiming 6.6.6.6@lu2k was believed, and
 * lu2kd connected out to 6.6.6.6 to answer it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "common/nid.h"
#include "daemon/core.h"
#include "../t.h"

/* -99: the test's own input did not parse */
static int check(int mode, const char *nid, const char *from)
{
	struct sockaddr_storage ss;
	struct lu2k_nid n;

	if (lu2k_nid_parse(nid, &n))
		return -99;
	if (!from)
		return lu2kd_accept_check(mode, &n, NULL);
	memset(&ss, 0, sizeof(ss));
	if (strchr(from, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(40000);
		if (inet_pton(AF_INET6, from, &a->sin6_addr) != 1)
			return -99;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(40000);
		if (inet_pton(AF_INET, from, &a->sin_addr) != 1)
			return -99;
	}
	return lu2kd_accept_check(mode, &n, &ss);
}

static void test_strict(void)
{
	const int s = LU2KD_ACCEPT_STRICT;

	/* the NID's own address, whatever the port and network number */
	T_EQ(check(s, "192.0.2.7@lu2k", "192.0.2.7"), 0);
	T_EQ(check(s, "192.0.2.7@lu2k3", "192.0.2.7"), 0);
	T_EQ(check(s, "[2001:db8::7]@lu2k", "2001:db8::7"), 0);
	T_EQ(check(s, "192.0.2.7@lu2k", "::ffff:192.0.2.7"), 0); /* a dual-stack listener */
	/* another address: refused */
	T_EQ(check(s, "6.6.6.6@lu2k", "192.0.2.7"), -EACCES);
	T_EQ(check(s, "192.0.2.8@lu2k", "192.0.2.7"), -EACCES);
	T_EQ(check(s, "[2001:db8::8]@lu2k", "2001:db8::7"), -EACCES);
	T_EQ(check(s, "192.0.2.7@lu2k", "2001:db8::7"), -EACCES);
	/* a remote NID from this host: refused; an unknown source: refused */
	T_EQ(check(s, "6.6.6.6@lu2k", "127.0.0.1"), -EACCES);
	T_EQ(check(s, "192.0.2.7@lu2k", NULL), -EACCES);
	/* this host to itself: the kernel picks the source (127.0.0.1 for 127.0.0.2) */
	T_EQ(check(s, "127.0.0.2@lu2k", "127.0.0.1"), 0);
	T_EQ(check(s, "127.0.0.9@lu2k", "127.0.0.1"), 0);
}

static void test_any(void)
{
	const int a = LU2KD_ACCEPT_ANY;

	T_EQ(check(a, "6.6.6.6@lu2k", "192.0.2.7"), 0);
	T_EQ(check(a, "[2001:db8::8]@lu2k", "192.0.2.7"), 0);
	T_EQ(check(a, "192.0.2.7@lu2k", NULL), 0);
}

static void test_config(void)
{
	struct lu2kd_config c;
	char err[256];

	lu2kd_config_defaults(&c);
	T_EQ(c.accept, LU2KD_ACCEPT_STRICT); /* the default */
	T_EQ(lu2kd_config_parse(&c, "t", "accept = any\n", err, sizeof(err)), 0);
	T_EQ(c.accept, LU2KD_ACCEPT_ANY);
	T_EQ(lu2kd_config_parse(&c, "t", "accept = strict\n", err, sizeof(err)), 0);
	T_EQ(c.accept, LU2KD_ACCEPT_STRICT);
	T_ASSERT(lu2kd_config_parse(&c, "t", "accept = all\n", err, sizeof(err)) < 0);
	T_ASSERT(strstr(err, "t:1") && strstr(err, "accept") && strstr(err, "strict, any"));
}

int main(void)
{
	T_RUN(test_strict);
	T_RUN(test_any);
	T_RUN(test_config);
	return t_done();
}
