#include "pv_key.h"

#include <string.h>

int pv_key_make(pv_key *out, const uint8_t *address, int kind, const uint8_t *slot)
{
    if (out == NULL || address == NULL || kind < 0 || kind >= PV_KIND_COUNT)
        return PV_EINVAL;
    if (slot != NULL && kind != PV_STORAGE)
        return PV_EINVAL;
    memcpy(out->address, address, sizeof out->address);
    out->kind = (uint8_t)kind;
    if (slot != NULL)
        memcpy(out->slot, slot, sizeof out->slot);
    else
        memset(out->slot, 0, sizeof out->slot);
    return PV_OK;
}

/* Folds one word in: a multiply by an odd constant and a shift, each a bijection, so that two
 * keys that differ in one word always differ here. */
static uint64_t fold(uint64_t h, uint64_t w)
{
    h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

uint64_t pv_key_hash(const pv_key *key)
{
    uint8_t bytes[(sizeof(pv_key) + 7) / 8 * 8] = {0}; /* the last word padded with zeros */
    memcpy(bytes, key, sizeof(pv_key));
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t at = 0; at < sizeof(pv_key); at += 8) {
        uint64_t w;
        memcpy(&w, bytes + at, 8); /* in the host's byte order: hashes never leave the machine */
        h = fold(h, w);
    }
    return fmix64(h);
}

int pv_key_equal(const pv_key *a, const pv_key *b)
{
    return memcmp(a->address, b->address, sizeof a->address) == 0 && a->kind == b->kind &&
           memcmp(a->slot, b->slot, sizeof a->slot) == 0;
}
