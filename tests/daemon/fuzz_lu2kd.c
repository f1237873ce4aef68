/* SPDX-License-Identifier: MIT */
/*
 * fuzz_lu2kd.c - libFuzzer target for lu2kd's parsers: the tcp back-end's
 * hello and frame decoders (on every prefix of the input), the config file
 * parser, lu2kctl's JSON reader, and the RX allocator driven by the input as
 * a sequence of alloc/free operations (its books must always balance); the
 * udt back-end's frame decoders (udt_wire.c) and its demultiplexer
 * (udt_demux.c, against a model), and liblu2k's LNet header codec
 * (lib/lnet_hdr.c): what a decoder accepts encodes back to the same bytes.
 * Built by tests/daemon/test-lu2kd-fuzz.sh with clang; not part of make.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/tcp_wire.h"
#include "backends/udt_demux.h"
#include "backends/udt_wire.h"
#include "lib/lnet_hdr.h"
#include "daemon/config.h"
#include "daemon/rxalloc.h"
#include "tools/ctl/jsonv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_wire(const uint8_t *d, size_t n)
{
	struct lu2k_tcpw_frame f;
	struct lu2k_tcpw_hello h;
	size_t off = 0;

	for (size_t k = 0; k <= n && k <= LU2K_TCPW_HELLO_MAX + 8; k++) {
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
	struct lu2kd_rxalloc a;
	uint64_t off[16];
	uint32_t len[16] = { 0 };

	if (lu2kd_rxalloc_init(&a, 4096, 1 << 20))
		return;
	for (size_t i = 0; i + 2 < n; i += 3) {
		unsigned int slot = d[i] & 15;
		uint64_t want = ((uint64_t)d[i + 1] << 8 | d[i + 2]) * (d[i] & 16 ? 64 : 1);

		if (len[slot]) {
			if (lu2kd_rxalloc_free(&a, off[slot], len[slot]))
				abort();
			len[slot] = 0;
		} else if (lu2kd_rxalloc_alloc(&a, want, &off[slot], &len[slot])) {
			len[slot] = 0;
		} else if (off[slot] < 4096 || off[slot] + len[slot] > 4096 + (1 << 20)) {
			abort();
		}
		/* A wrong free must be refused and change nothing. */
		if (lu2kd_rxalloc_free(&a, 4096 + (uint64_t)d[i + 1] * 64 + 1, 64) == 0)
			abort();
	}
	for (unsigned int s = 0; s < 16; s++)
		if (len[s] && lu2kd_rxalloc_free(&a, off[s], len[s]))
			abort();
	if (a.free_bytes != 1 << 20 || a.nfree != 1)
		abort();
	lu2kd_rxalloc_fini(&a);
}

/*
 * The udt back-end's frames: the first 4 bytes are the UDT message's length,
 * the rest its first bytes (a receiver peeks at LU2K_UDTW_PEEK, and reads a
 * hello whole: at most LU2K_UDTW_HELLO_MAX); what decodes re-encodes the same.
 */
static void fuzz_udt_wire(const uint8_t *d, size_t n)
{
	uint8_t p[LU2K_UDTW_HELLO_MAX] = { 0 }, out[LU2K_UDTW_HELLO_MAX];
	struct lu2k_udtw_hello h, h2;
	struct lu2k_udtw_msg m, m2;
	size_t total;

	if (n < 4)
		return;
	total = (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16 | (size_t)(d[3] & 1) << 24;
	memcpy(p, d + 4, n - 4 < sizeof(p) ? n - 4 : sizeof(p));
	lu2k_udtw_type(p, total);
	if (total <= sizeof(p) && lu2k_udtw_hello_decode(p, total, &h) == 0) {
		if (total < LU2K_UDTW_HELLO_LEN ||
		    memchr(h.backend, 0, sizeof(h.backend)) == NULL ||
		    lu2k_udtw_hello_len(&h) != total)
			abort();
		lu2k_udtw_hello_encode(out, &h);
		if (lu2k_udtw_hello_decode(out, total, &h2) || h2.naddrs != h.naddrs ||
		    memcmp(h.addrs, h2.addrs, sizeof(h.addrs)) ||
		    memcmp(&h.src, &h2.src, sizeof(h.src)) ||
		    memcmp(&h.dst, &h2.dst, sizeof(h.dst)) || strcmp(h.backend, h2.backend))
			abort();
	}
	if (lu2k_udtw_msg_decode(p, total, 1u << 20, &m) == 0) {
		if ((uint64_t)m.hdr_len + m.payload_len > 1u << 20 ||
		    lu2k_udtw_msg_hlen(&m) + (uint64_t)m.hdr_len + m.payload_len != total ||
		    (m.epoch && m.low > m.id))
			abort();
		lu2k_udtw_msg_encode(out, &m);
		if (lu2k_udtw_msg_decode(out, total, 1u << 20, &m2) || m.hdr_len != m2.hdr_len ||
		    m.payload_len != m2.payload_len || m.epoch != m2.epoch || m.id != m2.id ||
		    m.low != m2.low || memcmp(&m.target, &m2.target, sizeof(m.target)))
			abort();
	}
}

/*
 * The demultiplexer driven by 4-byte operations against a model: a node is
 * found by its id while added, by (socket, address, peer id) while added as
 * a peer, never after it is removed.
 */
static void fuzz_demux(const uint8_t *d, size_t n)
{
	enum { NN = 16 };
	static struct udt_dmx_node node[NN];
	static const int socks[2];
	bool added[NN] = { false }, peer[NN] = { false };
	struct udt_dmx x;

	memset(node, 0, sizeof(node));
	if (udt_dmx_init(&x, n ? d[0] : 1))
		return;
	for (size_t i = 0; i + 3 < n; i += 4) {
		unsigned int k = d[i + 1] % NN;
		struct udt_dmx_node *f;

		switch (d[i] % 5) {
		case 0: /* add under a new id, or a chosen (perhaps bad or taken) one */
			if (added[k])
				break;
			node[k].local_id = d[i + 2] & 1 ? udt_dmx_new_id(&x)
							: (uint32_t)d[i + 3] << (d[i + 2] & 30);
			if (udt_dmx_add(&x, &node[k]) == 0)
				added[k] = true;
			break;
		case 1: /* also by peer key */
			if (!added[k] || peer[k])
				break;
			node[k].sock = &socks[d[i + 2] & 1];
			node[k].addr.family = d[i + 2] & 2 ? AF_INET6 : AF_INET;
			node[k].addr.port = d[i + 3];
			node[k].addr.ip[0] = d[i + 2];
			node[k].peer_id = d[i + 3] & 7;
			udt_dmx_add_peer(&x, &node[k]);
			peer[k] = true;
			break;
		case 2:
			udt_dmx_del(&x, &node[k]);
			added[k] = peer[k] = false;
			break;
		case 3: /* by id */
			f = udt_dmx_find(&x, node[k].local_id);
			if (added[k] && f != &node[k])
				abort();
			if (f && !(f >= node && f < node + NN && added[f - node]))
				abort();
			break;
		default: /* by peer key */
			f = udt_dmx_find_peer(&x, node[k].sock, &node[k].addr, node[k].peer_id);
			if (f && !(f >= node && f < node + NN && peer[f - node]))
				abort();
			break;
		}
	}
	for (unsigned int k = 0; k < NN; k++)
		udt_dmx_del(&x, &node[k]);
	if (x.n != 0)
		abort();
	udt_dmx_fini(&x);
}

/* LNet headers as a peer's kernel half could send them. */
static void fuzz_lnet_hdr(const uint8_t *d, size_t n)
{
	struct lu2k_lnet_hdr h, h2;
	uint8_t out[96], out2[96];
	int len;

	if (lu2k_lnet_hdr_decode(d, n, &h))
		return;
	lu2k_lnet_hdr_check(&h, n > 96 ? n - 96 : 0, 1u << 20);
	lu2k_lnet_msg_type_str(h.type);
	/*
	 * Re-encoded in its own layout (a 96-byte header of IPv4 NIDs comes back
	 * as 72; bytes a type does not use may differ): what it uses comes back.
	 */
	len = lu2k_lnet_hdr_encode(&h, out, sizeof(out));
	if (len <= 0 || (size_t)len != lu2k_lnet_hdr_size(&h) || (size_t)len > n)
		abort();
	if (lu2k_lnet_hdr_decode(out, (size_t)len, &h2) ||
	    lu2k_lnet_hdr_encode(&h2, out2, sizeof(out2)) != len ||
	    memcmp(out, out2, (size_t)len) || memcmp(&h.src_nid, &h2.src_nid, sizeof(h.src_nid)) ||
	    h.type != h2.type || h.payload_length != h2.payload_length)
		abort();
	(void)lu2k_lnet_nid4(&h.src_nid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 6) {
	case 0:
		fuzz_wire(data + 1, size - 1);
		break;
	case 1:
		fuzz_text(data + 1, size - 1);
		break;
	case 2:
		fuzz_rxalloc(data + 1, size - 1);
		break;
	case 3:
		fuzz_udt_wire(data + 1, size - 1);
		break;
	case 4:
		fuzz_demux(data + 1, size - 1);
		break;
	default:
		fuzz_lnet_hdr(data + 1, size - 1);
	}
	return 0;
}
