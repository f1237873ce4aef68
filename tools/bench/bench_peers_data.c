// SPDX-License-Identifier: MIT
/*
 * bench_peers_data.c - lu2k-bench-peers: payloads, NIDs, clocks, sizes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_peers.h"

void bp_nid(struct lu2k_nid *n, const struct lu2k_nid *base, unsigned int i)
{
	uint32_t a;

	*n = *base;
	memcpy(&a, base->addr, 4);
	a = htonl(ntohl(a) + i);
	memcpy(n->addr, &a, 4);
}

static uint64_t word(uint32_t peer, uint64_t seq, size_t k)
{
	uint64_t x = ((uint64_t)peer << 40) ^ (seq * 0x9e3779b97f4a7c15ull) ^ k;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 29);
}

void bp_fill(void *dst, size_t len, uint32_t peer, uint64_t seq)
{
	uint8_t *p = dst;
	size_t k;

	for (k = 0; k + 8 <= len; k += 8) {
		uint64_t w = word(peer, seq, k);

		memcpy(p + k, &w, 8);
	}
	for (; k < len; k++)
		p[k] = (uint8_t)word(peer, seq, k);
}

int bp_check(const void *src, size_t len, uint32_t peer, uint64_t seq)
{
	const uint8_t *p = src;
	size_t k;

	for (k = 0; k + 8 <= len; k += 8) {
		uint64_t w = word(peer, seq, k);

		if (memcmp(p + k, &w, 8))
			return -1;
	}
	for (; k < len; k++)
		if (p[k] != (uint8_t)word(peer, seq, k))
			return -1;
	return 0;
}

static long status_kib(int pid, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':' &&
		    sscanf(line + kl + 1, "%ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

long bp_rss_kib(int pid)
{
	return status_kib(pid, "VmRSS");
}

long bp_rss_shmem_kib(int pid)
{
	return status_kib(pid, "RssShmem");
}

double bp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
