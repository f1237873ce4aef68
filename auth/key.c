/* SPDX-License-Identifier: MIT */
/*
 * key.c - node keys: generation, X25519 public keys, base64, key files (see
 * key.h). The cryptography is libsodium's; this file adds what an admin
 * meets: the text form, and key files that are refused when others could
 * have read or changed them.
 */
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lu2k_auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void lu2k_key_generate(struct lu2k_key *k)
{
	randombytes_buf(k->b, sizeof(k->b));
	/* X25519's clamping (RFC 7748 5): the same scalar, stored as used */
	k->b[0] &= 248;
	k->b[31] &= 127;
	k->b[31] |= 64;
}

void lu2k_key_generate_psk(struct lu2k_key *k)
{
	randombytes_buf(k->b, sizeof(k->b));
}

int lu2k_key_public(struct lu2k_key *pub, const struct lu2k_key *priv)
{
	return crypto_scalarmult_curve25519_base(pub->b, priv->b) ? -1 : 0;
}

void lu2k_key_to_base64(const struct lu2k_key *k, char out[LU2K_KEY_B64_LEN + 1])
{
	sodium_bin2base64(out, LU2K_KEY_B64_LEN + 1, k->b, sizeof(k->b),
			  sodium_base64_VARIANT_ORIGINAL);
}

int lu2k_key_from_base64(const char *s, struct lu2k_key *k)
{
	const char *end;
	size_t n, len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strcspn(s, " \t\r\n");
	/* only blanks and one line end may follow */
	if (len != LU2K_KEY_B64_LEN || s[len + strspn(s + len, " \t\r\n")] ||
	    strchr(s + len, '\n') != strrchr(s + len, '\n'))
		return -EINVAL;
	if (sodium_base642bin(k->b, sizeof(k->b), s, len, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    n != sizeof(k->b) || end != s + len)
		return -EINVAL;
	return 0;
}

int lu2k_key_load(const char *path, struct lu2k_key *k, char *err, size_t errlen)
{
	char buf[128];
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
			 errno == ELOOP ? " (a key file may not be a symlink)" : "");
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		rc = -EPERM;
		snprintf(err, errlen, "%s: owned by uid %u, neither root nor this user (%u)", path,
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
	} else if (st.st_mode & 077) {
		rc = -EPERM;
		snprintf(err, errlen,
			 "%s: mode %04o lets others read or change the key; chmod 600 %s "
			 "(and make a new key if others may have read this one)",
			 path, (unsigned int)(st.st_mode & 07777), path);
	}
	if (rc) {
		close(fd);
		return rc;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	buf[n] = 0;
	if (lu2k_key_from_base64(buf, k)) {
		snprintf(err, errlen,
			 "%s: not a key (one line of %d base64 characters, as "
			 "lu2k-keygen writes)",
			 path, LU2K_KEY_B64_LEN);
		rc = -EINVAL;
	}
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int lu2k_key_save(const char *path, const struct lu2k_key *k, char *err, size_t errlen)
{
	char line[LU2K_KEY_B64_LEN + 2];
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (a key file is never overwritten: remove it first)"
					 : "");
		return rc;
	}
	/* 0600 whatever the umask said at open */
	if (fchmod(fd, 0600))
		rc = -errno;
	lu2k_key_to_base64(k, line);
	line[LU2K_KEY_B64_LEN] = '\n';
	line[LU2K_KEY_B64_LEN + 1] = 0;
	if (!rc && write(fd, line, LU2K_KEY_B64_LEN + 1) != LU2K_KEY_B64_LEN + 1)
		rc = errno ? -errno : -EIO;
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	sodium_memzero(line, sizeof(line));
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		unlink(path);
	}
	return rc;
}

void lu2k_key_wipe(struct lu2k_key *k)
{
	sodium_memzero(k->b, sizeof(k->b));
}
