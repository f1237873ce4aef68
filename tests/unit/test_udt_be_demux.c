/* SPDX-License-Identifier: MIT */
/* Unit tests of the udt back-end's demultiplexing tables (backends/udt_demux.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "backends/udt_demux.h"
#include "tests/t.h"

static struct udt_dmx_addr v4(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct udt_dmx_addr a;

	inet_pton(AF_INET, ip, &s.sin_addr);
	if (udt_dmx_addr_from((struct sockaddr *)&s, &a))
		abort();
	return a;
}

static void test_ids(void)
{
	struct udt_dmx d;
	struct udt_dmx_node a = { .local_id = 5 }, b = { .local_id = 5 }, z = { .local_id = 0 };
	struct udt_dmx_node big = { .local_id = 0x80000001u };

	T_EQ(udt_dmx_init(&d, 1), 0);
	T_EQ(udt_dmx_add(&d, &a), 0);
	T_EQ(udt_dmx_add(&d, &b), -EEXIST);
	T_EQ(udt_dmx_add(&d, &z), -EINVAL);
	T_EQ(udt_dmx_add(&d, &big), -EINVAL);
	T_ASSERT(udt_dmx_find(&d, 5) == &a);
	T_ASSERT(udt_dmx_find(&d, 6) == NULL);
	udt_dmx_del(&d, &a);
	T_ASSERT(udt_dmx_find(&d, 5) == NULL);
	udt_dmx_del(&d, &a); /* twice: harmless */
	T_EQ(udt_dmx_add(&d, &b), 0);
	T_ASSERT(udt_dmx_find(&d, 5) == &b);
	udt_dmx_fini(&d);
}

/* Many nodes: the table grows, every node stays findable by both keys, ids are unique. */
static void test_many(void)
{
	enum { N = 5000 };
	struct udt_dmx_node *n = calloc(N, sizeof(*n));
	struct udt_dmx d;
	int sock1, sock2;

	T_ASSERT(n);
	T_EQ(udt_dmx_init(&d, 42), 0);
	for (int i = 0; i < N; i++) {
		n[i].local_id = udt_dmx_new_id(&d);
		T_ASSERT(n[i].local_id != 0 && !(n[i].local_id & 0x80000000u));
		T_EQ(udt_dmx_add(&d, &n[i]), 0);
		n[i].sock = i % 2 ? (void *)&sock1 : (void *)&sock2;
		n[i].addr = v4("192.0.2.1", (uint16_t)(1000 + i % 7));
		n[i].peer_id = (uint32_t)i * 3 + 1;
		udt_dmx_add_peer(&d, &n[i]);
	}
	T_ASSERT(d.nbuckets > 64);
	for (int i = 0; i < N; i++) {
		struct udt_dmx_addr a = v4("192.0.2.1", (uint16_t)(1000 + i % 7));

		T_ASSERT(udt_dmx_find(&d, n[i].local_id) == &n[i]);
		T_ASSERT(udt_dmx_find_peer(&d, n[i].sock, &a, n[i].peer_id) == &n[i]);
		/* the same client id from another port, or on the other socket, is another conn */
		a.port ^= 0x100;
		T_ASSERT(udt_dmx_find_peer(&d, n[i].sock, &a, n[i].peer_id) == NULL);
		a.port ^= 0x100;
		T_ASSERT(udt_dmx_find_peer(&d, i % 2 ? (void *)&sock2 : (void *)&sock1, &a,
					   n[i].peer_id) == NULL);
	}
	for (int i = 0; i < N; i += 2)
		udt_dmx_del(&d, &n[i]);
	T_EQ(d.n, N / 2);
	for (int i = 0; i < N; i++) {
		struct udt_dmx_addr a = v4("192.0.2.1", (uint16_t)(1000 + i % 7));
		bool there = i % 2;

		T_EQ(udt_dmx_find(&d, n[i].local_id) != NULL, there);
		T_EQ(udt_dmx_find_peer(&d, n[i].sock, &a, n[i].peer_id) != NULL, there);
	}
	udt_dmx_fini(&d);
	free(n);
}

static void test_addr(void)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(7988) };
	struct sockaddr_un_like {
		sa_family_t f;
	} su = { .f = AF_UNIX };
	struct udt_dmx_addr a, b;

	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	T_EQ(udt_dmx_addr_from((struct sockaddr *)&s6, &a), 0);
	T_EQ(a.family, AF_INET6);
	T_EQ(a.ip[15], 1);
	b = a;
	T_ASSERT(udt_dmx_addr_eq(&a, &b));
	b.ip[0] ^= 1;
	T_ASSERT(!udt_dmx_addr_eq(&a, &b));
	T_EQ(udt_dmx_addr_from((struct sockaddr *)&su, &a), -EAFNOSUPPORT);
	a = v4("10.1.2.3", 7988);
	b = v4("10.1.2.3", 7989);
	T_ASSERT(!udt_dmx_addr_eq(&a, &b));
}

/*
 * The address key (first-flight data to socket id 0): by listening socket
 * and client address and port only, the newest first, through growth.
 */
static void test_by_addr(void)
{
	enum { N = 500 };
	struct udt_dmx_node *n = calloc(N, sizeof(*n));
	struct udt_dmx_node again = { .local_id = 0 };
	struct udt_dmx_addr a;
	struct udt_dmx d;
	int sock1, sock2;

	T_ASSERT(n);
	T_EQ(udt_dmx_init(&d, 7), 0);
	for (int i = 0; i < N; i++) {
		n[i].local_id = udt_dmx_new_id(&d);
		T_EQ(udt_dmx_add(&d, &n[i]), 0);
		n[i].sock = &sock1;
		n[i].addr = v4("192.0.2.9", (uint16_t)(2000 + i));
		n[i].peer_id = 77;
		udt_dmx_add_peer(&d, &n[i]);
		/* only every other one came without a cookie */
		if (i % 2 == 0)
			udt_dmx_add_addr(&d, &n[i]);
	}
	for (int i = 0; i < N; i++) {
		a = v4("192.0.2.9", (uint16_t)(2000 + i));
		T_ASSERT(udt_dmx_find_addr(&d, &sock1, &a) == (i % 2 ? NULL : &n[i]));
		T_ASSERT(udt_dmx_find_addr(&d, &sock2, &a) == NULL);
	}
	/* an address nobody connected from: nothing */
	a = v4("198.51.100.1", 2000);
	T_ASSERT(udt_dmx_find_addr(&d, &sock1, &a) == NULL);
	/* a newer connection from the same address and port is found first */
	a = v4("192.0.2.9", 2000);
	again.sock = &sock1;
	again.addr = a;
	udt_dmx_add_addr(&d, &again);
	T_ASSERT(udt_dmx_find_addr(&d, &sock1, &a) == &again);
	udt_dmx_del_addr(&d, &again);
	T_ASSERT(udt_dmx_find_addr(&d, &sock1, &a) == &n[0]);
	/* proved (the key goes), the other keys stay */
	udt_dmx_del_addr(&d, &n[0]);
	T_ASSERT(udt_dmx_find_addr(&d, &sock1, &a) == NULL);
	T_ASSERT(udt_dmx_find(&d, n[0].local_id) == &n[0]);
	/* the connection goes: every key with it */
	udt_dmx_del(&d, &n[2]);
	a = v4("192.0.2.9", 2002);
	T_ASSERT(udt_dmx_find_addr(&d, &sock1, &a) == NULL);
	udt_dmx_fini(&d);
	free(n);
}

static struct udt_dmx_addr v6(const char *ip)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(7988) };
	struct udt_dmx_addr a;

	inet_pton(AF_INET6, ip, &s.sin6_addr);
	udt_dmx_addr_from((struct sockaddr *)&s, &a);
	return a;
}

/* max_halfopen_per_prefix's unit: a /24, a /64, mapped IPv4 by its /24 */
static void test_same_net(void)
{
	struct udt_dmx_addr a = v4("10.1.2.3", 7988), b = v4("10.1.2.250", 1),
			    c = v4("10.1.3.3", 7988);

	T_ASSERT(udt_dmx_addr_same_net(&a, &b));
	T_ASSERT(!udt_dmx_addr_same_net(&a, &c));
	a = v6("2001:db8:1:2::1");
	b = v6("2001:db8:1:2:ffff:ffff:ffff:ffff");
	c = v6("2001:db8:1:3::1");
	T_ASSERT(udt_dmx_addr_same_net(&a, &b));
	T_ASSERT(!udt_dmx_addr_same_net(&a, &c));
	a = v6("::ffff:10.1.2.3");
	b = v6("::ffff:10.1.2.99");
	c = v6("::ffff:10.1.9.3");
	T_ASSERT(udt_dmx_addr_same_net(&a, &b));
	T_ASSERT(!udt_dmx_addr_same_net(&a, &c));
	b = v4("10.1.2.3", 7988);
	T_ASSERT(!udt_dmx_addr_same_net(&a, &b)); /* families apart */
}

int main(void)
{
	T_RUN(test_ids);
	T_RUN(test_many);
	T_RUN(test_addr);
	T_RUN(test_by_addr);
	T_RUN(test_same_net);
	return t_done();
}
