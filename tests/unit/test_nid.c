/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "common/nid.h"
#include "../t.h"

static void roundtrip(const char *in)
{
	struct lu2k_nid n;
	char buf[LU2K_NID_STRLEN];

	T_EQ(lu2k_nid_parse(in, &n), 0);
	T_STREQ(lu2k_nid_format(&n, buf, sizeof(buf)), in);
}

static void test_parse_format_roundtrip(void)
{
	roundtrip("192.0.2.7@lu2k");
	roundtrip("10.1.2.3@lu2k12");
	roundtrip("[2001:db8::7]@lu2k1");
	roundtrip("[::1]@lu2k");
	roundtrip("255.255.255.255@lu2k65535");
}

static void test_parse_fields(void)
{
	struct lu2k_nid n;

	T_EQ(lu2k_nid_parse("192.0.2.7@lu2k5", &n), 0);
	T_EQ(n.type, LU2K_LND_TYPE);
	T_EQ(n.size, 0);
	T_EQ(lu2k_nid_net(&n), 5);
	T_EQ(n.addr[0], 192);
	T_EQ(n.addr[3], 7);
	T_EQ(lu2k_nid_family(&n), 4);
	T_EQ(lu2k_nid_parse("[2001:db8::7]@lu2k", &n), 0);
	T_EQ(n.size, 12);
	T_EQ(n.addr[15], 7);
	T_EQ(lu2k_nid_family(&n), 6);
}

static void test_parse_rejects(void)
{
	static const char *bad[] = {
		"",
		"@lu2k",
		"192.0.2.7",
		"192.0.2.7@tcp",
		"192.0.2.7@lu2k65536",
		"192.0.2.7@lu2k01",
		"192.0.2.7@lu2kx",
		"192.0.2.300@lu2k",
		"2001:db8::7@lu2k",
		"[2001:db8::7@lu2k",
		"[192.0.2.7]@lu2k",
		"[]@lu2k",
		"192.0.2.7@lu2k-1",
		"a.very.long.string.that.is.not.an.address.at.all.xxxxxxxxxxxx@lu2k",
	};
	struct lu2k_nid n = { .type = 99 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (lu2k_nid_parse(bad[i], &n) != -22)
			T_FAIL_("accepted \"%s\"", bad[i]);
	}
	T_EQ(n.type, 99); /* untouched */
}

static void test_sockaddr(void)
{
	struct sockaddr_storage ss;
	struct lu2k_nid n, back;

	T_EQ(lu2k_nid_parse("127.0.0.2@lu2k3", &n), 0);
	T_EQ(lu2k_nid_to_sockaddr(&n, 7988, &ss), (int)sizeof(struct sockaddr_in));
	T_EQ(((struct sockaddr_in *)&ss)->sin_port, htons(7988));
	T_EQ(lu2k_nid_from_sockaddr((struct sockaddr *)&ss, 3, &back), 0);
	T_ASSERT(lu2k_nid_eq(&n, &back));
	T_EQ(lu2k_nid_parse("[fd00::2]@lu2k", &n), 0);
	T_EQ(lu2k_nid_to_sockaddr(&n, 1, &ss), (int)sizeof(struct sockaddr_in6));
	n.type = 2;
	T_EQ(lu2k_nid_to_sockaddr(&n, 1, &ss), -22);
}

static void test_wire(void)
{
	struct lu2k_nid n, back;
	uint8_t w[LU2K_NID_WIRE_LEN];

	T_EQ(lu2k_nid_parse("[2001:db8::7]@lu2k9", &n), 0);
	lu2k_nid_wire_put(w, &n);
	T_EQ(w[0], 12);
	T_EQ(w[1], LU2K_LND_TYPE);
	T_EQ(w[3], 9); /* network number, big-endian */
	T_EQ(w[19], 7);
	T_EQ(lu2k_nid_wire_get(w, &back), 0);
	T_ASSERT(lu2k_nid_eq(&n, &back));
	w[1] = 2; /* a socklnd NID */
	T_EQ(lu2k_nid_wire_get(w, &back), -EPROTO);
	T_EQ(lu2k_nid_parse("10.0.0.1@lu2k", &n), 0);
	lu2k_nid_wire_put(w, &n);
	w[10] = 1; /* junk past an IPv4 address */
	T_EQ(lu2k_nid_wire_get(w, &back), -EPROTO);
}

int main(void)
{
	T_RUN(test_parse_format_roundtrip);
	T_RUN(test_parse_fields);
	T_RUN(test_parse_rejects);
	T_RUN(test_sockaddr);
	T_RUN(test_wire);
	return t_done();
}
