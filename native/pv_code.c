/* The code arena: contract code by code hash, appended once and never moved, so lookups read
 * it without a lock; a slot table of chains finds a hash. */
#include <string.h>

#include "pv_layout.h"

/* Precedes each blob's code in the arena; blobs start 8-byte aligned. */
typedef struct pv_blob {
    uint8_t hash[32];
    uint32_t len;
    uint32_t next; /* offset + 1 of the next blob of the same slot, 0 at the end */
} pv_blob;

void pv_code_init(pv_core *c)
{
    atomic_uint *slots = pv_codeslot_array(c);
    for (uint32_t i = 0; i <= c->code_mask; i++)
        atomic_init(&slots[i], 0);
    pv_lock_init(&c->code_lock);
    c->code_used = 0;
}

/* Hashes are keccak digests, but do not rely on it: fold all 32 bytes. */
static atomic_uint *slot_of(pv_core *c, const uint8_t hash[32])
{
    uint64_t h = 0;
    for (int i = 0; i < 32; i++)
        h = (h ^ hash[i]) * UINT64_C(0x100000001b3);
    return &pv_codeslot_array(c)[(uint32_t)(h >> 32) & c->code_mask];
}

static const pv_blob *find(pv_core *c, const uint8_t hash[32])
{
    const uint8_t *arena = pv_code_arena(c);
    uint32_t at = atomic_load_explicit(slot_of(c, hash), memory_order_acquire);
    while (at != 0) {
        const pv_blob *blob = (const pv_blob *)(arena + at - 1);
        if (memcmp(blob->hash, hash, sizeof blob->hash) == 0)
            return blob;
        at = blob->next;
    }
    return NULL;
}

/* Under the code lock. */
static int append(pv_core *c, const uint8_t hash[32], const uint8_t *code, uint32_t len)
{
    uint64_t size = ((uint64_t)sizeof(pv_blob) + len + 7) & ~UINT64_C(7);
    if (size > c->limits.code_bytes - c->code_used)
        return PV_EFULL;
    atomic_uint *slot = slot_of(c, hash);
    pv_blob *blob = (pv_blob *)(pv_code_arena(c) + c->code_used);
    memcpy(blob->hash, hash, sizeof blob->hash);
    blob->len = len;
    blob->next = atomic_load_explicit(slot, memory_order_relaxed);
    if (len > 0)
        memcpy(blob + 1, code, len);
    /* Published last: a reader that finds the blob sees all of it. */
    atomic_store_explicit(slot, c->code_used + 1, memory_order_release);
    c->code_used += (uint32_t)size;
    return PV_OK;
}

int pv_code_put(pv_core *c, const uint8_t hash[32], const uint8_t *code, uint32_t len)
{
    if (c == NULL || hash == NULL || (code == NULL && len > 0))
        return PV_EINVAL;
    if (find(c, hash) != NULL)
        return PV_OK;
    if (pv_lock_acquire(&c->code_lock) != PV_OK)
        return PV_ELOST;
    /* Look again: another process may have put it meanwhile. */
    int rc = find(c, hash) != NULL ? PV_OK : append(c, hash, code, len);
    pv_lock_release(&c->code_lock);
    return rc;
}

int pv_code_get(pv_core *c, const uint8_t hash[32], uint8_t *out, uint32_t cap, uint32_t *len)
{
    if (c == NULL || hash == NULL || len == NULL || (out == NULL && cap > 0))
        return PV_EINVAL;
    const pv_blob *blob = find(c, hash);
    if (blob == NULL)
        return PV_ENOTFOUND;
    *len = blob->len;
    if (cap < blob->len)
        return PV_ETOOSMALL;
    if (blob->len > 0)
        memcpy(out, blob + 1, blob->len);
    return PV_OK;
}
