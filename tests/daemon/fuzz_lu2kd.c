/* SPDX-License-Identifier: MIT */
/*
 * fuzz_lu2kd.c - libFuzzer target for lu2kd's parsers: the tcp back-end's
 * hello and frame decoders (on every prefix of the input), the config file
 * parser, lu2kctl's JSON reader, and the RX allocator driven by the input as
 * a sequence of alloc/free operations (its books must always balance).
 * Built by tests/daemon/test-lu2kd-fuzz.sh with clang; not part of make.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/tcp_wire.h"
#include "daemon/config.h"
#include "daemon/rxalloc.h"
#include "tools/ctl/jsonv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_wire(const uint8_t *d, size_t n)
{
	struct lu2k_tcpw_frame f;
	struct lu2k_tcpw_hello h;
	size_t off = 0;

	for (size_t k = 0; k <= n && k <= 80; k++) {
		lu2k_tcpw_hello_decode(d, k, &h);
		lu2k_tcpw_frame_decode(d, k, 1u << 20, &f);
	}
	/* Walk the input as a stream of frames, as a connection would. */
	while (off < n) {
		int rc = lu2k_tcpw_frame_decode(d + off, n - off, 1u << 20, &f);

		if (rc <= 0)
			break;
		if ((size_t)rc > n - off || f.length < (uint32_t)rc)
			abort();
		if (f.type == LU2K_TCPW_MSG && (uint64_t)f.hdr_len + f.payload_len + 48 != f.length)
			abort();
		off += f.length > n - off ? n - off : f.length;
	}
}

static void fuzz_text(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);
	struct lu2kd_config c;
	char err[256];
	struct jv *v;

	memcpy(s, d, n);
	s[n] = 0;
	lu2kd_config_defaults(&c);
	lu2kd_config_parse(&c, "fuzz", s, err, sizeof(err));
	if (memchr(err, 0, sizeof(err)) == NULL)
		abort();
	v = jv_parse(s, NULL);
	jv_free(v);
	free(s);
}

static void fuzz_rxalloc(const uint8_t *d, size_t n)
{
	struct lu2k_rxalloc a;
	uint64_t off[16];
	uint32_t len[16] = { 0 };

	if (lu2k_rxalloc_init(&a, 4096, 1 << 20))
		return;
	for (size_t i = 0; i + 2 < n; i += 3) {
		unsigned int slot = d[i] & 15;
		uint64_t want = ((uint64_t)d[i + 1] << 8 | d[i + 2]) * (d[i] & 16 ? 64 : 1);

		if (len[slot]) {
			if (lu2k_rxalloc_free(&a, off[slot], len[slot]))
				abort();
			len[slot] = 0;
		} else if (lu2k_rxalloc_alloc(&a, want, &off[slot], &len[slot])) {
			len[slot] = 0;
		} else if (off[slot] < 4096 || off[slot] + len[slot] > 4096 + (1 << 20)) {
			abort();
		}
		/* A wrong free must be refused and change nothing. */
		if (lu2k_rxalloc_free(&a, 4096 + (uint64_t)d[i + 1] * 64 + 1, 64) == 0)
			abort();
	}
	for (unsigned int s = 0; s < 16; s++)
		if (len[s] && lu2k_rxalloc_free(&a, off[s], len[s]))
			abort();
	if (a.free_bytes != 1 << 20 || a.nfree != 1)
		abort();
	lu2k_rxalloc_fini(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_wire(data + 1, size - 1);
		break;
	case 1:
		fuzz_text(data + 1, size - 1);
		break;
	default:
		fuzz_rxalloc(data + 1, size - 1);
	}
	return 0;
}
