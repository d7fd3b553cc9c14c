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

static uint64_t fnv1a(uint64_t h, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= bytes[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
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
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    h = fnv1a(h, key->address, sizeof key->address);
    h = fnv1a(h, &key->kind, 1);
    h = fnv1a(h, key->slot, sizeof key->slot);
    return fmix64(h);
}

int pv_key_equal(const pv_key *a, const pv_key *b)
{
    return memcmp(a->address, b->address, sizeof a->address) == 0 && a->kind == b->kind &&
           memcmp(a->slot, b->slot, sizeof a->slot) == 0;
}
