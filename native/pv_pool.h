/* Fixed-size records of the region (multi-version entries, read records), handed out and
 * returned as chains. Every record type starts with `uint32_t link`, the chain's next index. */
#ifndef PV_POOL_H
#define PV_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "pv_lock.h"

#define PV_NIL UINT32_MAX /* the null index */

typedef struct pv_pool {
    pv_lock lock;
    uint32_t cap;
    uint32_t bump;      /* records [bump, cap) were never handed out */
    uint32_t free_head; /* returned records */
    uint32_t free_count;
} pv_pool;

void pv_pool_init(pv_pool *pool, uint32_t cap);

/* *head = a PV_NIL-terminated chain of n records; PV_EFULL (and nothing taken) if the pool
 * has fewer, so that a caller can reserve all it needs before changing any state (or PV_ELOST). */
PV_MUST_CHECK int pv_pool_take(pv_pool *pool, char *base, size_t stride, uint32_t n, uint32_t *head);

/* Returns a PV_NIL-terminated chain: PV_OK (or PV_ELOST). */
PV_MUST_CHECK int pv_pool_give(pv_pool *pool, char *base, size_t stride, uint32_t head);

#endif
