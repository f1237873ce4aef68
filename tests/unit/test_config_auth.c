/* SPDX-License-Identifier: MIT */
/*
 * lu2kd's [auth] section (daemon/config_auth.c): key files read and checked,
 * peers and NID ranges, the network mode, and every refusal with the line
 * it names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/key.h"
#include "common/nid.h"
#include "daemon/config.h"
#include "daemon/config_auth.h"
#include "../t.h"

static char dir[] = "/tmp/lu2k-cfgauth.XXXXXX";
static char node_key[256], psk_key[256], open_key[256];
static char pub1[LU2K_KEY_B64_LEN + 1], pub2[LU2K_KEY_B64_LEN + 1];

static void mk_key(char *path, size_t len, const char *name, mode_t mode, bool psk)
{
	struct lu2k_key k;
	char err[256];

	snprintf(path, len, "%s/%s", dir, name);
	psk ? lu2k_key_generate_psk(&k) : lu2k_key_generate(&k);
	if (lu2k_key_save(path, &k, err, sizeof(err)) || chmod(path, mode))
		abort();
}

/* Parse text as lu2kd.conf and load [auth]: the load's return, err filled. */
static int load(const char *text, struct lu2k_auth *a, char *err, size_t errlen)
{
	struct lu2kd_config *c = malloc(sizeof(*c));
	int rc;

	lu2kd_config_defaults(c);
	err[0] = 0;
	rc = lu2kd_config_parse(c, "t.conf", text, err, errlen);
	if (!rc)
		rc = lu2kd_auth_load(c, a, err, errlen);
	free(c);
	return rc;
}

static void test_none(void)
{
	struct lu2k_auth a;
	char err[512];

	T_EQ(load("port = 7988\n", &a, err, sizeof(err)), 0);
	T_ASSERT(!a.enabled);
	lu2k_auth_free(&a);
}

static void test_keys(void)
{
	struct lu2k_auth a;
	struct lu2k_nid n;
	char text[1024], err[512];

	snprintf(text, sizeof(text),
		 "[auth]\nprivate_key = %s\npeer = %s 192.0.2.7@lu2k, 198.51.100.0/24@lu2k\n"
		 "peer = %s *@lu2k3\n",
		 node_key, pub1, pub2);
	T_EQ(load(text, &a, err, sizeof(err)), 0);
	T_ASSERT(a.enabled);
	T_ASSERT(!a.network);
	T_ASSERT(!a.local.has_psk);
	T_EQ(a.npeers, 2);
	T_EQ(a.peers[0].nr, 2);
	lu2k_nid_parse("198.51.100.9@lu2k", &n);
	T_ASSERT(lu2k_auth_key_for(&a, &n) == &a.peers[0].pub);
	lu2k_nid_parse("10.0.0.1@lu2k3", &n);
	T_ASSERT(lu2k_auth_key_for(&a, &n) == &a.peers[1].pub);
	lu2k_nid_parse("10.0.0.1@lu2k", &n);
	T_ASSERT(lu2k_auth_key_for(&a, &n) == NULL);
	lu2k_auth_free(&a);
	/* and with a PSK mixed in */
	snprintf(text, sizeof(text),
		 "[auth]\npsk = %s\nprivate_key = %s\npeer = %s 192.0.2.7@lu2k\n", psk_key,
		 node_key, pub1);
	T_EQ(load(text, &a, err, sizeof(err)), 0);
	T_ASSERT(a.local.has_psk && !a.network);
	/* the handshake rate's defaults (auth/hsrate.h) */
	T_ASSERT(a.rate);
	T_EQU(a.rate->cfg.rate, LU2K_HSRATE_RATE);
	T_EQU(a.rate->cfg.prefix_rate, LU2K_HSRATE_PREFIX_RATE);
	lu2k_auth_free(&a);
	/* and set: hs_rate (its burst the same), hs_rate_prefix (twice at once), 0 for none */
	snprintf(text, sizeof(text),
		 "[auth]\nprivate_key = %s\npeer = %s 192.0.2.7@lu2k\nhs_rate = 40\n"
		 "hs_rate_prefix = 0\n",
		 node_key, pub1);
	T_EQ(load(text, &a, err, sizeof(err)), 0);
	T_EQU(a.rate->cfg.rate, 40);
	T_EQU(a.rate->cfg.burst, 40);
	T_EQU(a.rate->cfg.prefix_rate, 0);
	lu2k_auth_free(&a);
}

static void test_network_mode(void)
{
	struct lu2k_auth a;
	struct lu2k_nid n;
	char text[512], err[512];

	snprintf(text, sizeof(text), "[auth]\npsk = %s\n", psk_key);
	T_EQ(load(text, &a, err, sizeof(err)), 0);
	T_ASSERT(a.enabled && a.network && a.local.has_psk);
	lu2k_nid_parse("10.9.8.7@lu2k9", &n);
	T_ASSERT(lu2k_auth_key_for(&a, &n) == &a.local.pub);
	lu2k_auth_free(&a);
}

/* text must be refused, the message naming want (and the line, if line). */
static void refused(const char *text, const char *want, const char *line)
{
	struct lu2k_auth a;
	char err[768];

	T_ASSERT(load(text, &a, err, sizeof(err)) < 0);
	if (!strstr(err, want))
		T_FAIL_("'%s' not in '%s'", want, err);
	if (line && !strstr(err, line))
		T_FAIL_("'%s' not in '%s'", line, err);
	T_ASSERT(!a.enabled && !a.peers);
}

static void test_refusals(void)
{
	char t[1024], many[1024];

	snprintf(t, sizeof(t), "[auth]\nprivate_key = %s\n", node_key);
	refused(t, "no 'peer' lines", "t.conf:2");
	snprintf(t, sizeof(t), "[auth]\npeer = %s 192.0.2.7@lu2k\n", pub1);
	refused(t, "need this node's private_key", "t.conf:2");
	snprintf(t, sizeof(t), "[auth]\nprivate_key = %s\npeer = %s 192.0.2.7/24@lu2k\n", node_key,
		 pub1);
	refused(t, "is no NID range", "t.conf:3");
	snprintf(t, sizeof(t), "[auth]\nprivate_key = %s\npeer = %s\n", node_key, pub1);
	refused(t, "no NIDs after the key", "t.conf:3");
	snprintf(t, sizeof(t), "[auth]\nprivate_key = %s\npeer = nokey 192.0.2.7@lu2k\n", node_key);
	refused(t, "expected a public key", "t.conf:3");
	snprintf(t, sizeof(t),
		 "[auth]\nprivate_key = %s\npeer = %s 1.1.1.1@lu2k\npeer = %s 2.2.2.2@lu2k\n",
		 node_key, pub1, pub1);
	refused(t, "listed twice", "t.conf:4");
	snprintf(t, sizeof(t),
		 "[auth]\nprivate_key = %s\nprivate_key = %s\npeer = %s 1.1.1.1@lu2k\n", node_key,
		 node_key, pub1);
	refused(t, "given twice (first at t.conf:2)", "t.conf:3");
	snprintf(t, sizeof(t), "[auth]\nprivate_key = %s\npeer = %s 1.1.1.1@lu2k\n", open_key,
		 pub1);
	refused(t, "chmod", "t.conf:2");
	snprintf(t, sizeof(t), "[auth]\nprivate_key = %s/absent\npeer = %s 1.1.1.1@lu2k\n", dir,
		 pub1);
	refused(t, "private_key", "t.conf:2");
	snprintf(t, sizeof(t), "[auth]\npsk = %s\npeer = %s 1.1.1.1@lu2k\n", psk_key, pub1);
	refused(t, "every holder of the PSK", NULL);
	refused("[auth]\nsecret = x\n", "unknown key", "t.conf:2");
	snprintf(t, sizeof(t), "[auth]\nprivate_key = %s\npeer = %s 1.1.1.1@lu2k\nhs_rate = -5\n",
		 node_key, pub1);
	refused(t, "not a number of handshakes a second", "t.conf:4");
	snprintf(t, sizeof(t),
		 "[auth]\nprivate_key = %s\npeer = %s 1.1.1.1@lu2k\nhs_rate_prefix = 10x\n",
		 node_key, pub1);
	refused(t, "not a number of handshakes a second", "t.conf:4");
	snprintf(many, sizeof(many), "[auth]\nprivate_key = %s\npeer = %s", node_key, pub1);
	for (int i = 0; i < 9; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), " 10.0.0.%d@lu2k", i);
	strcat(many, "\n");
	refused(many, "at most 8 NID ranges", "t.conf:3");
}

static void test_many_peers(void)
{
	static char text[64 * 1024];
	struct lu2k_auth a;
	char err[512];
	size_t off;

	off = (size_t)snprintf(text, sizeof(text), "[auth]\nprivate_key = %s\n", node_key);
	for (int i = 0; i <= LU2KD_AUTH_MAX_PEERS; i++) {
		struct lu2k_key k;
		char b64[LU2K_KEY_B64_LEN + 1];

		lu2k_key_generate(&k);
		lu2k_key_public(&k, &k);
		lu2k_key_to_base64(&k, b64);
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"peer = %s 10.1.%d.%d@lu2k\n", b64, i / 250, i % 250);
	}
	refused(text, "too many peers", NULL);
	/* one fewer fits: cut the last line */
	text[strlen(text) - 1] = 0;
	*strrchr(text, '\n') = 0;
	T_EQ(load(text, &a, err, sizeof(err)), 0);
	T_EQ(a.npeers, LU2KD_AUTH_MAX_PEERS);
	lu2k_auth_free(&a);
}

int main(void)
{
	struct lu2k_key k;

	if (lu2k_auth_init() || !mkdtemp(dir))
		return 1;
	mk_key(node_key, sizeof(node_key), "node.key", 0600, false);
	mk_key(psk_key, sizeof(psk_key), "net.psk", 0600, true);
	mk_key(open_key, sizeof(open_key), "open.key", 0644, false);
	lu2k_key_generate(&k);
	lu2k_key_public(&k, &k);
	lu2k_key_to_base64(&k, pub1);
	lu2k_key_generate(&k);
	lu2k_key_public(&k, &k);
	lu2k_key_to_base64(&k, pub2);
	T_RUN(test_none);
	T_RUN(test_keys);
	T_RUN(test_network_mode);
	T_RUN(test_refusals);
	T_RUN(test_many_peers);
	unlink(node_key);
	unlink(psk_key);
	unlink(open_key);
	rmdir(dir);
	return t_done();
}
