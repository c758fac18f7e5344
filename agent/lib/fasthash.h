/* A fast 64-bit hash of short byte strings (ids, names, paths): 16 bytes
 * per 64x64->128-bit multiply, folded, in the manner of wyhash. Seeded:
 * with a secret seed an input cannot aim at a given value. Not a
 * cryptographic hash; for stable ids use lib/hash.h. */
#ifndef GW_LIB_FASTHASH_H
#define GW_LIB_FASTHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GW_FH_K0 0xa0761d6478bd642full
#define GW_FH_K1 0xe7037ed1a0b428dbull
#define GW_FH_K2 0x8ebc6af09c88c6e3ull

static inline uint64_t gw_fh_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t gw_fh_rd8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t gw_fh_rd4(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The hash of s[0..len) under seed. Reads only s[0..len). */
static inline uint64_t gw_fasthash(uint64_t seed, const void *s, size_t len)
{
	const unsigned char *p = s;
	uint64_t a, b;
	size_t i = len;

	seed ^= GW_FH_K0;
	if (len <= 16) {
		if (len >= 4) {
			a = gw_fh_rd4(p) << 32 | gw_fh_rd4(p + ((len >> 3) << 2));
			b = gw_fh_rd4(p + len - 4) << 32 | gw_fh_rd4(p + len - 4 - ((len >> 3) << 2));
		} else if (len > 0) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		for (; i > 16; i -= 16, p += 16)
			seed = gw_fh_mix(gw_fh_rd8(p) ^ GW_FH_K1, gw_fh_rd8(p + 8) ^ seed);
		a = gw_fh_rd8(p + i - 16);
		b = gw_fh_rd8(p + i - 8);
	}
	return gw_fh_mix(GW_FH_K1 ^ len, gw_fh_mix(a ^ GW_FH_K1, b ^ seed ^ GW_FH_K2));
}

#endif
