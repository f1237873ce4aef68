/* SPDX-License-Identifier: MIT */
/* Unit tests of common/sockaddr.c: equality, and the network the per-prefix caps count by. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/sockaddr.h"
#include "tests/t.h"

static struct sockaddr_storage ss(const char *ip, unsigned int port)
{
	struct sockaddr_storage s;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&s;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&s;

	memset(&s, 0, sizeof(s));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else {
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	}
	return s;
}

static void test_equal(void)
{
	struct sockaddr_storage a = ss("10.1.2.3", 1), b = ss("10.1.2.3", 2), c = ss("10.1.2.3", 1);

	T_ASSERT(lu2k_sockaddr_equal(&a, &c));
	T_ASSERT(!lu2k_sockaddr_equal(&a, &b));
	T_EQ(lu2k_sockaddr_port(&b), 2);
}

static void test_same_net(void)
{
	struct sockaddr_storage a = ss("10.1.2.3", 1), b = ss("10.1.2.254", 2),
				c = ss("10.1.3.3", 1);
	struct sockaddr_in6 *s6;

	T_ASSERT(lu2k_sockaddr_same_net(&a, &b));
	T_ASSERT(!lu2k_sockaddr_same_net(&a, &c));
	b = ss("::ffff:10.1.2.3", 1);
	T_ASSERT(!lu2k_sockaddr_same_net(&a, &b)); /* families apart */
	a = ss("::ffff:10.1.2.99", 7);
	c = ss("::ffff:10.1.9.3", 1);
	T_ASSERT(lu2k_sockaddr_same_net(&a, &b));
	T_ASSERT(!lu2k_sockaddr_same_net(&a, &c));
	s6 = (struct sockaddr_in6 *)&a;
	T_EQ(lu2k_ip_net_bits(AF_INET6, s6->sin6_addr.s6_addr), 24);
	a = ss("2001:db8:1:2::1", 1);
	b = ss("2001:db8:1:2:ffff:ffff:ffff:ffff", 2);
	c = ss("2001:db8:1:3::1", 1);
	T_ASSERT(lu2k_sockaddr_same_net(&a, &b));
	T_ASSERT(!lu2k_sockaddr_same_net(&a, &c));
	T_EQ(lu2k_ip_net_bits(AF_INET6, s6->sin6_addr.s6_addr), 64);
}

int main(void)
{
	T_RUN(test_equal);
	T_RUN(test_same_net);
	return t_done();
}
