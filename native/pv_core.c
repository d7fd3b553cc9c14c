/* The region as a whole: its size for given limits, its initialisation, and the counters. */
#include <string.h>

#include "pv_layout.h"

#define PV_MAGIC UINT32_C(0x31437670) /* "pvC1" */

enum {
    ARRAY_ALIGN = 64,        /* each array starts on its own cache line */
    CODE_BYTES_PER_SLOT = 512 /* code blobs are rarely smaller; chains stay short */
};

static uint64_t align_up(uint64_t n)
{
    return (n + ARRAY_ALIGN - 1) & ~(uint64_t)(ARRAY_ALIGN - 1);
}

static uint32_t pow2_at_least(uint64_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static int limits_valid(const pv_limits *l)
{
    return l != NULL && l->txs <= PV_LIMIT_MAX && l->keys <= PV_LIMIT_MAX &&
           l->entries <= PV_LIMIT_MAX && l->reads <= PV_LIMIT_MAX && l->code_bytes <= PV_LIMIT_MAX;
}

/* Places every array after the header; returns the region's size. */
static uint64_t layout(const pv_limits *l, pv_core *h)
{
    uint32_t key_slots = pow2_at_least(2 * (uint64_t)l->keys + 1);
    uint32_t code_slots = pow2_at_least(l->code_bytes / CODE_BYTES_PER_SLOT);
    uint64_t end = align_up(sizeof(pv_core));
#define PLACE(field, count, type)                                                              \
    (h->field = end, end = align_up(end + (uint64_t)(count) * sizeof(type)))
    PLACE(txstatus_off, l->txs, pv_txstatus);
    PLACE(txsets_off, l->txs, pv_txsets);
    PLACE(keyslots_off, key_slots, atomic_uint);
    PLACE(keyrecs_off, l->keys, pv_keyrec);
    PLACE(entries_off, l->entries, pv_entry);
    PLACE(reads_off, l->reads, pv_readrec);
    PLACE(codeslots_off, code_slots, atomic_uint);
    PLACE(code_off, l->code_bytes, uint8_t);
#undef PLACE
    h->key_mask = key_slots - 1;
    h->code_mask = code_slots - 1;
    return end;
}

size_t pv_core_size(const pv_limits *limits)
{
    pv_core scratch;
    return limits_valid(limits) ? (size_t)layout(limits, &scratch) : 0;
}

int pv_core_init(void *region, size_t size, const pv_limits *limits)
{
    size_t needed = pv_core_size(limits);
    if (region == NULL || (uintptr_t)region % 8 != 0 || needed == 0 || size < needed)
        return PV_EINVAL;
    pv_core *c = region;
    memset(c, 0, sizeof *c); /* indices, counters and locks start at zero */
    c->size = layout(limits, c);
    c->limits = *limits;
    /* Each part clears only what it must; records are initialised as they are handed out, so
     * a large region costs no more than the pages it touches. */
    pv_keytable_init(c);
    pv_mvmemory_init(c);
    pv_code_init(c);
    pv_scheduler_init(c);
    c->magic = PV_MAGIC;
    return PV_OK;
}

pv_core *pv_core_at(void *region)
{
    pv_core *c = region;
    return c != NULL && c->magic == PV_MAGIC ? c : NULL;
}

int pv_stats_get(pv_core *c, pv_stats *out)
{
    if (c == NULL || out == NULL)
        return PV_EINVAL;
    out->executions = atomic_load(&c->stats.executions);
    out->validations = atomic_load(&c->stats.validations);
    out->failed_validations = atomic_load(&c->stats.failed_validations);
    out->dependencies = atomic_load(&c->stats.dependencies);
    out->estimate_reads = atomic_load(&c->stats.estimate_reads);
    return PV_OK;
}
