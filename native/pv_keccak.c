/* Keccak-256 (see pv_keccak.h), written from FIPS 202: Keccak-f[1600] with 24 rounds of
 * theta, rho, pi, chi and iota over 25 64-bit lanes. */
#include "pv_keccak.h"

#include <string.h>

/* Iota's round constants: FIPS 202 algorithm 5, RC[i] bit 2^j - 1 = rc(j + 7 i). */
static const uint64_t ROUND_CONSTANTS[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROTL64(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

static inline uint64_t load64_le(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

/* The permutation with lane (x, y) in a{x + 5 y}, unrolled so the lanes live in registers
 * (the looped form, with its table lookups, ran several times slower).
 * Rho rotates lane (x, y) by (t + 1)(t + 2) / 2 mod 64, t its step along the walk
 * (x, y) <- (y, 2 x + 3 y) from (1, 0) (FIPS 202 section 3.2.2): by lane index
 * 0 1 62 28 27 / 36 44 6 55 20 / 3 10 43 25 39 / 41 45 15 21 8 / 18 2 61 56 14.
 * Pi then moves lane (x, y) to (y, 2 x + 3 y). */
static void keccak_f1600(uint64_t s[25])
{
    uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4];
    uint64_t a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8], a9 = s[9];
    uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
    uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
    uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
    uint64_t b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12;
    uint64_t b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    for (int round = 0; round < 24; round++) {
        /* theta: each lane absorbs the parities of two neighbouring columns */
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
        d0 = c4 ^ ROTL64(c1, 1);
        d1 = c0 ^ ROTL64(c2, 1);
        d2 = c1 ^ ROTL64(c3, 1);
        d3 = c2 ^ ROTL64(c4, 1);
        d4 = c3 ^ ROTL64(c0, 1);
        /* rho and pi: lane (x, y) rotated into (y, 2 x + 3 y) */
        b0 = a0 ^ d0;
        b10 = ROTL64(a1 ^ d1, 1);
        b20 = ROTL64(a2 ^ d2, 62);
        b5 = ROTL64(a3 ^ d3, 28);
        b15 = ROTL64(a4 ^ d4, 27);
        b16 = ROTL64(a5 ^ d0, 36);
        b1 = ROTL64(a6 ^ d1, 44);
        b11 = ROTL64(a7 ^ d2, 6);
        b21 = ROTL64(a8 ^ d3, 55);
        b6 = ROTL64(a9 ^ d4, 20);
        b7 = ROTL64(a10 ^ d0, 3);
        b17 = ROTL64(a11 ^ d1, 10);
        b2 = ROTL64(a12 ^ d2, 43);
        b12 = ROTL64(a13 ^ d3, 25);
        b22 = ROTL64(a14 ^ d4, 39);
        b23 = ROTL64(a15 ^ d0, 41);
        b8 = ROTL64(a16 ^ d1, 45);
        b18 = ROTL64(a17 ^ d2, 15);
        b3 = ROTL64(a18 ^ d3, 21);
        b13 = ROTL64(a19 ^ d4, 8);
        b14 = ROTL64(a20 ^ d0, 18);
        b24 = ROTL64(a21 ^ d1, 2);
        b9 = ROTL64(a22 ^ d2, 61);
        b19 = ROTL64(a23 ^ d3, 56);
        b4 = ROTL64(a24 ^ d4, 14);
        /* chi: the only non-linear step, row by row */
        a0 = b0 ^ (~b1 & b2);
        a1 = b1 ^ (~b2 & b3);
        a2 = b2 ^ (~b3 & b4);
        a3 = b3 ^ (~b4 & b0);
        a4 = b4 ^ (~b0 & b1);
        a5 = b5 ^ (~b6 & b7);
        a6 = b6 ^ (~b7 & b8);
        a7 = b7 ^ (~b8 & b9);
        a8 = b8 ^ (~b9 & b5);
        a9 = b9 ^ (~b5 & b6);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
        /* iota */
        a0 ^= ROUND_CONSTANTS[round];
    }
    s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4;
    s[5] = a5; s[6] = a6; s[7] = a7; s[8] = a8; s[9] = a9;
    s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14;
    s[15] = a15; s[16] = a16; s[17] = a17; s[18] = a18; s[19] = a19;
    s[20] = a20; s[21] = a21; s[22] = a22; s[23] = a23; s[24] = a24;
}

void pv_keccak_init(pv_keccak *k)
{
    memset(k->state, 0, sizeof k->state);
    k->pos = 0;
}

void pv_keccak_update(pv_keccak *k, const uint8_t *data, size_t len)
{
    /* finish a partial block byte by byte */
    while (len > 0 && k->pos != 0) {
        k->state[k->pos / 8] ^= (uint64_t)*data << (8 * (k->pos % 8));
        data++;
        len--;
        if (++k->pos == PV_KECCAK256_RATE) {
            keccak_f1600(k->state);
            k->pos = 0;
        }
    }
    /* whole blocks a lane at a time */
    while (len >= PV_KECCAK256_RATE) {
        for (int i = 0; i < PV_KECCAK256_RATE / 8; i++)
            k->state[i] ^= load64_le(data + 8 * i);
        keccak_f1600(k->state);
        data += PV_KECCAK256_RATE;
        len -= PV_KECCAK256_RATE;
    }
    /* the tail starts a new partial block (pos is 0 here when len > 0) */
    for (size_t i = 0; i < len; i++)
        k->state[i / 8] ^= (uint64_t)data[i] << (8 * (i % 8));
    k->pos += len;
}

void pv_keccak_final(pv_keccak *k, uint8_t out[32])
{
    /* pad10*1 with Keccak's domain byte 0x01; both bits land in one byte when pos == rate-1 */
    k->state[k->pos / 8] ^= (uint64_t)0x01 << (8 * (k->pos % 8));
    k->state[(PV_KECCAK256_RATE - 1) / 8] ^= (uint64_t)0x80 << (8 * ((PV_KECCAK256_RATE - 1) % 8));
    keccak_f1600(k->state);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(k->state[i / 8] >> (8 * (i % 8)));
    k->pos = 0;
}

void pv_keccak256(const uint8_t *data, size_t len, uint8_t out[32])
{
    pv_keccak k;
    pv_keccak_init(&k);
    if (len > 0)
        pv_keccak_update(&k, data, len);
    pv_keccak_final(&k, out);
}

void pv_bloom_add(uint8_t bloom[256], const uint8_t *items, size_t count, size_t item_len)
{
    uint8_t digest[32];
    for (size_t i = 0; i < count; i++) {
        pv_keccak256(items + i * item_len, item_len, digest);
        for (int j = 0; j < 6; j += 2) {
            unsigned bit = (((unsigned)digest[j] << 8) | digest[j + 1]) & 2047u;
            bloom[255 - bit / 8] |= (uint8_t)(1u << (bit % 8));
        }
    }
}
