/* The inside of a core region: a header (struct pv_core), then arrays found by their offsets
 * from it. Only offsets and indices are stored, so every process may map the region anywhere. */
#ifndef PV_LAYOUT_H
#define PV_LAYOUT_H

#include <stdatomic.h>

#include "pv_core.h"
#include "pv_lock.h"
#include "pv_pool.h"

/* One transaction's write to one key. */
typedef struct pv_entry {
    uint32_t link;        /* next entry of the same write set, or of a pool chain */
    uint32_t next;        /* next entry of the same key, by descending tx */
    uint32_t key;         /* index of the key record */
    uint32_t tx;
    uint32_t incarnation;
    uint32_t gen;         /* the publication that last touched it (under the tx's set lock) */
    uint8_t flag;         /* PV_ABSOLUTE or PV_DELTA */
    uint8_t estimate;
    uint8_t value[32];
} pv_entry;

/* A key known to the multi-version memory, with its entries. */
typedef struct pv_keyrec {
    uint64_t hash;
    pv_key key;
    pv_lock lock;  /* guards head and the fields of its entries that readers see */
    uint32_t head; /* the highest writer's entry */
    atomic_uint hot; /* a validation failed on it in this block: readers wait for writers */
} pv_keyrec;

/* One read of a read set; the hash saves rehashing the key at each validation. */
typedef struct pv_readrec {
    uint32_t link;
    uint64_t hash;
    pv_read read;
} pv_readrec;

/* A transaction's published sets; the lock serialises publishing, marking and validating. */
typedef struct pv_txsets {
    pv_lock lock;
    uint32_t gen;
    uint32_t writes; /* chain of pv_entry, in publication order */
    uint32_t n_writes;
    uint32_t reads; /* chain of pv_readrec */
    uint32_t n_reads;
} pv_txsets;

/* A transaction's scheduler state, under its lock. A transaction waits on one other at a time,
 * so the waiters form an intrusive list: the head in the blocking tx, the links in the waiters
 * (each link under the lock of the tx waited on). */
typedef struct pv_txstatus {
    pv_lock lock;
    uint32_t status; /* READY_TO_EXECUTE ... COMMITTED (pv_scheduler.c) */
    uint32_t incarnation;
    uint32_t dependents;
    uint32_t next_dependent;
} pv_txstatus;

struct pv_core {
    uint32_t magic;
    pv_limits limits;
    uint64_t size;
    uint64_t txstatus_off, txsets_off, keyslots_off, keyrecs_off, entries_off, reads_off,
        codeslots_off, code_off;
    uint32_t key_mask;  /* key slots - 1: more than twice the keys, so probes end */
    uint32_t code_mask; /* code slots - 1 */
    atomic_uint n_keys;
    pv_pool entry_pool;
    pv_pool read_pool;
    pv_lock code_lock; /* serialises code insertion; lookups take no lock */
    uint32_t code_used;
    struct {
        atomic_uint execution_idx;
        atomic_uint validation_idx;
        atomic_uint num_active_tasks;
        atomic_uint done_marker;
        atomic_ullong decrease_cnt;
        atomic_uint commit_idx; /* the lowest transaction not yet committed */
        atomic_uint first_idx;  /* the next of `first` to hand out */
        uint32_t n_first;       /* set before any task is taken */
        uint32_t first[PV_FIRST_MAX];
    } sched;
    struct {
        atomic_ullong executions;
        atomic_ullong validations;
        atomic_ullong failed_validations;
        atomic_ullong dependencies;
        atomic_ullong estimate_reads;
    } stats;
};

#define PV_REGION_ARRAY(c, field, type) ((type *)((char *)(c) + (c)->field))

static inline pv_txstatus *pv_txstatus_array(pv_core *c)
{
    return PV_REGION_ARRAY(c, txstatus_off, pv_txstatus);
}

static inline pv_txsets *pv_txsets_array(pv_core *c)
{
    return PV_REGION_ARRAY(c, txsets_off, pv_txsets);
}

static inline atomic_uint *pv_keyslot_array(pv_core *c)
{
    return PV_REGION_ARRAY(c, keyslots_off, atomic_uint);
}

static inline pv_keyrec *pv_keyrec_array(pv_core *c)
{
    return PV_REGION_ARRAY(c, keyrecs_off, pv_keyrec);
}

static inline pv_entry *pv_entry_array(pv_core *c)
{
    return PV_REGION_ARRAY(c, entries_off, pv_entry);
}

static inline pv_readrec *pv_readrec_array(pv_core *c)
{
    return PV_REGION_ARRAY(c, reads_off, pv_readrec);
}

static inline atomic_uint *pv_codeslot_array(pv_core *c)
{
    return PV_REGION_ARRAY(c, codeslots_off, atomic_uint);
}

static inline uint8_t *pv_code_arena(pv_core *c)
{
    return PV_REGION_ARRAY(c, code_off, uint8_t);
}

/* Each part of the core initialises its own arrays (pv_core_init calls them in turn). */
void pv_keytable_init(pv_core *c);
void pv_mvmemory_init(pv_core *c);
void pv_code_init(pv_core *c);
void pv_scheduler_init(pv_core *c);

static inline int pv_tx_ok(const pv_core *c, uint32_t tx)
{
    return c != NULL && tx < c->limits.txs;
}

#endif
