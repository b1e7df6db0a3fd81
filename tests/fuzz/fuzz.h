/* Shared by the libFuzzer targets of tests/fuzz/: a failed property prints
 * what broke and aborts (libFuzzer then keeps the input as a crash), a
 * deterministic generator for chunk splits (seeded from the input itself, so
 * a crash replays), and copying the input into a C string. */
#ifndef QFOTA_FUZZ_H
#define QFOTA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                                  \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                          \
			fputc('\n', stderr);                                                   \
			abort();                                                               \
		}                                                                              \
	} while (0)

/* FNV-1a of the input: the seed of the split generator. */
static inline uint64_t fuzz_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	return h;
}

/* splitmix64 */
static inline uint64_t fuzz_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The length of the next chunk: mostly short (1-8 bytes, where split lines
 * and split CR LF pairs live), sometimes empty, sometimes long. */
static inline size_t fuzz_chunk(uint64_t *state, size_t left)
{
	uint64_t r = fuzz_next(state);
	size_t n;

	switch (r & 7) {
	case 0: n = 0; break;
	case 1: n = (size_t)(r >> 8) % 1500; break;
	default: n = 1 + (size_t)(r >> 8) % 8; break;
	}
	return n > left ? left : n;
}

/* The input as a NUL-terminated string (malloc'd; stops at an embedded NUL,
 * as a C caller would). Aborts on ENOMEM: a fuzz run has no use for it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
