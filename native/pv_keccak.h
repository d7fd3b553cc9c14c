/* Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 ... 0x80), not SHA3-256's
 * (0x06 ... 0x80); rate 136 bytes, capacity 512 bits, 32-byte digest.
 *
 * Portable C11: lanes are loaded and stored bytewise (little-endian per FIPS 202), so no
 * alignment or host endianness is assumed. */
#ifndef PV_KECCAK_H
#define PV_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define PV_KECCAK256_RATE 136

/* A streaming hash: pv_keccak_init, any number of pv_keccak_update, then pv_keccak_final. */
typedef struct pv_keccak {
    uint64_t state[25]; /* lane (x, y) at state[x + 5 * y] */
    size_t pos;         /* bytes of the current block absorbed so far, < PV_KECCAK256_RATE */
} pv_keccak;

void pv_keccak_init(pv_keccak *k);
void pv_keccak_update(pv_keccak *k, const uint8_t *data, size_t len);
/* Pads, squeezes the 32-byte digest into out; k must be re-initialised before reuse. */
void pv_keccak_final(pv_keccak *k, uint8_t out[32]);

/* The digest of data[0 .. len) in one call (data may be NULL when len is 0). */
void pv_keccak256(const uint8_t *data, size_t len, uint8_t out[32]);

/* Ethereum's logs bloom (2048 bits, big-endian bytes): sets, for each of the count items of
 * item_len bytes back to back at items, the 3 bits that the first 6 bytes of its digest name
 * (3 big-endian 16-bit words, each taken mod 2048). items may be NULL when count is 0. */
void pv_bloom_add(uint8_t bloom[256], const uint8_t *items, size_t count, size_t item_len);

#endif
