/* SPDX-License-Identifier: MIT */
/*
 * lu2k-keygen - node keys for lu2k, in the manner of wg genkey / wg pubkey:
 *
 *   lu2k-keygen genkey [-o FILE]   a new private key (X25519)
 *   lu2k-keygen pubkey [-i FILE]   the public key of a private key (stdin or FILE)
 *   lu2k-keygen genpsk [-o FILE]   a new pre-shared key for a whole network
 *   lu2k-keygen check FILE         check a key file as lu2kd reads it
 *
 * Keys are one line of base64. With -o the key goes to a new file of mode
 * 0600 (never over an existing one); without, to stdout, for the caller to
 * redirect (as with wg: umask 077 first).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/key.h"
#include "lu2k/version.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: lu2k-keygen genkey [-o FILE]\n"
		   "       lu2k-keygen pubkey [-i FILE]\n"
		   "       lu2k-keygen genpsk [-o FILE]\n"
		   "       lu2k-keygen check FILE\n"
		   "Make and check lu2k's node keys (X25519) and pre-shared keys.\n"
		   "\n"
		   "  genkey   a new private key, one line of base64\n"
		   "  pubkey   the public key of the private key read from stdin (or -i FILE):\n"
		   "           give it to the peers that list this node in their config\n"
		   "  genpsk   a new pre-shared key, for a network that shares one\n"
		   "  check    read FILE as lu2kd does (owner, mode 0600, format); exit 0 if good\n"
		   "\n"
		   "  -o, --output FILE  write the key to FILE, created with mode 0600; an\n"
		   "                     existing file is never overwritten\n"
		   "  -i, --input FILE   read the private key from FILE (checked as lu2kd does)\n"
		   "  -h, --help, -V, --version\n"
		   "\n"
		   "Example:  lu2k-keygen genkey -o /etc/lu2k/node.key\n"
		   "          lu2k-keygen pubkey -i /etc/lu2k/node.key\n");
}

static int emit(const struct lu2k_key *k, const char *out)
{
	char b64[LU2K_KEY_B64_LEN + 1], err[512];

	if (out) {
		if (lu2k_key_save(out, k, err, sizeof(err))) {
			fprintf(stderr, "lu2k-keygen: %s\n", err);
			return 1;
		}
		return 0;
	}
	lu2k_key_to_base64(k, b64);
	if (printf("%s\n", b64) < 0 || fflush(stdout)) {
		fprintf(stderr, "lu2k-keygen: writing the key: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int read_stdin_key(struct lu2k_key *k)
{
	char buf[128];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
	int rc;

	buf[n] = 0;
	rc = lu2k_key_from_base64(buf, k);
	memset(buf, 0, sizeof(buf));
	if (rc)
		fprintf(stderr,
			"lu2k-keygen: stdin is not a private key (one line of %d base64 "
			"characters)\n",
			LU2K_KEY_B64_LEN);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "input", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *in = NULL, *cmd;
	struct lu2k_key k, pub;
	char err[512];
	int o, rc;

	while ((o = getopt_long(argc, argv, "o:i:hV", lo, NULL)) != -1) {
		switch (o) {
		case 'o':
			out = optarg;
			break;
		case 'i':
			in = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("lu2k-keygen %s\n", LU2K_VERSION_STR);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	if (lu2k_auth_init()) {
		fprintf(stderr, "lu2k-keygen: libsodium cannot start (no entropy source?)\n");
		return 1;
	}
	if (!strcmp(cmd, "genkey") || !strcmp(cmd, "genpsk")) {
		if (in || optind != argc) {
			fprintf(stderr, "lu2k-keygen: %s takes only -o FILE\n", cmd);
			return 2;
		}
		if (!strcmp(cmd, "genkey"))
			lu2k_key_generate(&k);
		else
			lu2k_key_generate_psk(&k);
		rc = emit(&k, out);
	} else if (!strcmp(cmd, "pubkey")) {
		if (out || optind != argc) {
			fprintf(stderr, "lu2k-keygen: pubkey takes only -i FILE\n");
			return 2;
		}
		if (in && lu2k_key_load(in, &k, err, sizeof(err))) {
			fprintf(stderr, "lu2k-keygen: %s\n", err);
			return 1;
		}
		if (!in && read_stdin_key(&k))
			return 1;
		if (lu2k_key_public(&pub, &k)) {
			fprintf(stderr, "lu2k-keygen: that private key gives no public key\n");
			lu2k_key_wipe(&k);
			return 1;
		}
		rc = emit(&pub, NULL);
	} else if (!strcmp(cmd, "check")) {
		if (out || in || optind != argc - 1) {
			fprintf(stderr, "lu2k-keygen: check takes one FILE\n");
			return 2;
		}
		if (lu2k_key_load(argv[optind], &k, err, sizeof(err))) {
			fprintf(stderr, "lu2k-keygen: %s\n", err);
			return 1;
		}
		printf("%s: a good key file\n", argv[optind]);
		rc = 0;
	} else {
		fprintf(stderr,
			"lu2k-keygen: unknown command '%s' (genkey, pubkey, genpsk, check)\n", cmd);
		return 2;
	}
	lu2k_key_wipe(&k);
	return rc;
}
