/* 64-bit FNV-1a: stable ids (findings, credentials named by their content).
 * Not a cryptographic hash: never for secrets an attacker may choose to
 * collide. */
#ifndef GW_LIB_HASH_H
#define GW_LIB_HASH_H

#include <stddef.h>
#include <stdint.h>

#define GW_FNV64_INIT 0xcbf29ce484222325ull

static inline uint64_t gw_fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#endif
