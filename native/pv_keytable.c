#include "pv_keytable.h"

/* A slot holds 0 (empty), a key record's index + 1, or BUSY while its inserter fills the
 * record: claiming the slot first makes two processes inserting one key agree on one record. */
#define SLOT_EMPTY 0u
#define SLOT_BUSY UINT32_MAX

void pv_keytable_init(pv_core *c)
{
    atomic_uint *slots = pv_keyslot_array(c);
    for (uint32_t i = 0; i <= c->key_mask; i++)
        atomic_init(&slots[i], SLOT_EMPTY);
    atomic_init(&c->n_keys, 0);
}

/* *v = the slot's value once no inserter is filling its record; PV_ELOST if one died at it. */
static int load_slot(atomic_uint *slot, uint32_t *v)
{
    pv_wait wait = PV_WAIT_START;
    while ((*v = atomic_load_explicit(slot, memory_order_acquire)) == SLOT_BUSY) {
        int rc = pv_wait_round(&wait);
        if (rc != PV_OK)
            return rc;
    }
    return PV_OK;
}

static int holds(pv_core *c, uint32_t slot_value, const pv_key *key, uint64_t hash)
{
    const pv_keyrec *rec = &pv_keyrec_array(c)[slot_value - 1];
    return rec->hash == hash && pv_key_equal(&rec->key, key);
}

int pv_keytable_find(pv_core *c, const pv_key *key, uint64_t hash, uint32_t *index)
{
    atomic_uint *slots = pv_keyslot_array(c);
    for (uint32_t i = (uint32_t)hash & c->key_mask;; i = (i + 1) & c->key_mask) {
        uint32_t v;
        if (load_slot(&slots[i], &v) != PV_OK)
            return PV_ELOST;
        if (v == SLOT_EMPTY)
            return 0;
        if (holds(c, v, key, hash)) {
            *index = v - 1;
            return 1;
        }
    }
}

static uint32_t reserve_record(pv_core *c)
{
    uint32_t n = atomic_load(&c->n_keys);
    do {
        if (n >= c->limits.keys)
            return PV_NIL;
    } while (!atomic_compare_exchange_weak(&c->n_keys, &n, n + 1));
    return n;
}

int pv_keytable_insert(pv_core *c, const pv_key *key, uint64_t hash, uint32_t *index)
{
    atomic_uint *slots = pv_keyslot_array(c);
    uint32_t i = (uint32_t)hash & c->key_mask;
    for (;;) {
        uint32_t v;
        if (load_slot(&slots[i], &v) != PV_OK)
            return PV_ELOST;
        if (v != SLOT_EMPTY) {
            if (holds(c, v, key, hash)) {
                *index = v - 1;
                return PV_OK;
            }
            i = (i + 1) & c->key_mask;
        } else if (atomic_compare_exchange_strong(&slots[i], &v, SLOT_BUSY)) {
            break;
        } /* else another inserter took this slot: look at it again */
    }
    uint32_t n = reserve_record(c);
    if (n == PV_NIL) {
        atomic_store_explicit(&slots[i], SLOT_EMPTY, memory_order_release);
        return PV_EFULL;
    }
    pv_keyrec *rec = &pv_keyrec_array(c)[n];
    rec->hash = hash;
    rec->key = *key;
    pv_lock_init(&rec->lock);
    rec->head = PV_NIL;
    atomic_store_explicit(&rec->hot, 0, memory_order_relaxed);
    atomic_store_explicit(&slots[i], n + 1, memory_order_release);
    *index = n;
    return PV_OK;
}
