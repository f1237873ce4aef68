/* SPDX-License-Identifier: MIT */
/* Node keys: X25519 against RFC 7748's vectors, base64, key files (auth/key.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/key.h"
#include "../t.h"

static char dir[] = "/tmp/lu2k-keytest.XXXXXX";

static void hex(struct lu2k_key *k, const char *h)
{
	for (int i = 0; i < LU2K_KEY_LEN; i++) {
		unsigned int v;

		sscanf(h + 2 * i, "%2x", &v);
		k->b[i] = (uint8_t)v;
	}
}

static void test_rfc7748(void)
{
	struct lu2k_key a, b, pa, pb, want;

	/* RFC 7748 section 6.1: Alice's and Bob's key pairs */
	hex(&a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	hex(&want, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	T_EQ(lu2k_key_public(&pa, &a), 0);
	T_MEMEQ(pa.b, want.b, LU2K_KEY_LEN);
	hex(&b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	hex(&want, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	T_EQ(lu2k_key_public(&pb, &b), 0);
	T_MEMEQ(pb.b, want.b, LU2K_KEY_LEN);
}

static void test_generate(void)
{
	struct lu2k_key a, b, p;

	lu2k_key_generate(&a);
	lu2k_key_generate(&b);
	T_ASSERT(memcmp(a.b, b.b, LU2K_KEY_LEN) != 0);
	/* clamped as X25519 uses it */
	T_EQ(a.b[0] & 7, 0);
	T_EQ(a.b[31] & 0xc0, 0x40);
	T_EQ(lu2k_key_public(&p, &a), 0);
	lu2k_key_wipe(&a);
	for (int i = 0; i < LU2K_KEY_LEN; i++)
		T_EQ(a.b[i], 0);
}

static void test_base64(void)
{
	struct lu2k_key k, r;
	char s[LU2K_KEY_B64_LEN + 1], line[128];

	hex(&k, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	lu2k_key_to_base64(&k, s);
	T_STREQ(s, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=");
	T_EQ(lu2k_key_from_base64(s, &r), 0);
	T_MEMEQ(r.b, k.b, LU2K_KEY_LEN);
	snprintf(line, sizeof(line), "  %s \n", s);
	T_EQ(lu2k_key_from_base64(line, &r), 0);
	/* refused: short, long, bad characters, two lines, trailing junk, url-safe alphabet */
	T_EQ(lu2k_key_from_base64("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo", &r), -EINVAL);
	T_EQ(lu2k_key_from_base64("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo==", &r), -EINVAL);
	T_EQ(lu2k_key_from_base64("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066Spjqqb!mo=", &r), -EINVAL);
	snprintf(line, sizeof(line), "%s\n%s\n", s, s);
	T_EQ(lu2k_key_from_base64(line, &r), -EINVAL);
	snprintf(line, sizeof(line), "%s x", s);
	T_EQ(lu2k_key_from_base64(line, &r), -EINVAL);
	T_EQ(lu2k_key_from_base64("hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo=", &r), -EINVAL);
	T_EQ(lu2k_key_from_base64("", &r), -EINVAL);
}

static void test_files(void)
{
	struct lu2k_key k, r;
	char p[128], q[128], err[512];
	int fd;

	lu2k_key_generate(&k);
	snprintf(p, sizeof(p), "%s/node.key", dir);
	umask(0); /* the file is 0600 whatever the umask */
	T_EQ(lu2k_key_save(p, &k, err, sizeof(err)), 0);
	umask(022);
	{
		struct stat st;

		T_EQ(stat(p, &st), 0);
		T_EQ(st.st_mode & 07777, 0600);
		T_EQ(st.st_size, LU2K_KEY_B64_LEN + 1);
	}
	T_EQ(lu2k_key_load(p, &r, err, sizeof(err)), 0);
	T_MEMEQ(r.b, k.b, LU2K_KEY_LEN);
	/* never over an existing file */
	T_EQ(lu2k_key_save(p, &k, err, sizeof(err)), -EEXIST);
	T_ASSERT(strstr(err, "never overwritten"));
	/* readable by others: refused, and the message says how to fix it */
	T_EQ(chmod(p, 0644), 0);
	T_EQ(lu2k_key_load(p, &r, err, sizeof(err)), -EPERM);
	T_ASSERT(strstr(err, "mode 0644") && strstr(err, "chmod 600"));
	T_EQ(chmod(p, 0620), 0);
	T_EQ(lu2k_key_load(p, &r, err, sizeof(err)), -EPERM);
	T_EQ(chmod(p, 0400), 0);
	T_EQ(lu2k_key_load(p, &r, err, sizeof(err)), 0);
	/* a symlink to a good key: refused */
	snprintf(q, sizeof(q), "%s/link.key", dir);
	T_EQ(symlink(p, q), 0);
	T_EQ(lu2k_key_load(q, &r, err, sizeof(err)), -ELOOP);
	T_ASSERT(strstr(err, "symlink"));
	/* owned by someone else (when we may give it away) */
	if (geteuid() == 0) {
		T_EQ(chown(p, 65534, 65534), 0);
		T_EQ(lu2k_key_load(p, &r, err, sizeof(err)), -EPERM);
		T_ASSERT(strstr(err, "owned by uid 65534"));
	}
	/* not a key, a directory, nothing */
	snprintf(q, sizeof(q), "%s/junk.key", dir);
	fd = open(q, O_WRONLY | O_CREAT | O_EXCL, 0600);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "hello\n", 6), 6);
	close(fd);
	T_EQ(lu2k_key_load(q, &r, err, sizeof(err)), -EINVAL);
	T_ASSERT(strstr(err, "not a key"));
	T_EQ(lu2k_key_load(dir, &r, err, sizeof(err)), -EINVAL);
	snprintf(q, sizeof(q), "%s/none.key", dir);
	T_EQ(lu2k_key_load(q, &r, err, sizeof(err)), -ENOENT);
}

int main(void)
{
	if (lu2k_auth_init() || !mkdtemp(dir))
		return 1;
	T_RUN(test_rfc7748);
	T_RUN(test_generate);
	T_RUN(test_base64);
	T_RUN(test_files);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			return 1;
	}
	return t_done();
}
