#include "pv_pool.h"

#include "pv_core.h"

static uint32_t *link_of(char *base, size_t stride, uint32_t index)
{
    return (uint32_t *)(base + (size_t)index * stride);
}

void pv_pool_init(pv_pool *pool, uint32_t cap)
{
    pv_lock_init(&pool->lock);
    pool->cap = cap;
    pool->bump = 0;
    pool->free_head = PV_NIL;
    pool->free_count = 0;
}

int pv_pool_take(pv_pool *pool, char *base, size_t stride, uint32_t n, uint32_t *head)
{
    *head = PV_NIL;
    if (n == 0)
        return PV_OK;
    if (pv_lock_acquire(&pool->lock) != PV_OK)
        return PV_ELOST;
    if (n > pool->free_count + (pool->cap - pool->bump)) {
        pv_lock_release(&pool->lock);
        return PV_EFULL;
    }
    /* Returned records first, then fresh ones: build the fresh tail, then splice. */
    uint32_t recycled = n < pool->free_count ? n : pool->free_count;
    uint32_t fresh = n - recycled;
    uint32_t chain = PV_NIL;
    for (uint32_t i = pool->bump + fresh; i-- > pool->bump;) {
        *link_of(base, stride, i) = chain;
        chain = i;
    }
    pool->bump += fresh;
    if (recycled > 0) {
        uint32_t first = pool->free_head, last = first;
        for (uint32_t k = 1; k < recycled; k++)
            last = *link_of(base, stride, last);
        pool->free_head = *link_of(base, stride, last);
        pool->free_count -= recycled;
        *link_of(base, stride, last) = chain;
        chain = first;
    }
    pv_lock_release(&pool->lock);
    *head = chain;
    return PV_OK;
}

int pv_pool_give(pv_pool *pool, char *base, size_t stride, uint32_t head)
{
    if (head == PV_NIL)
        return PV_OK;
    /* The chain is the caller's until spliced: walk it outside the lock. */
    uint32_t tail = head, n = 1;
    for (uint32_t next; (next = *link_of(base, stride, tail)) != PV_NIL; n++)
        tail = next;
    if (pv_lock_acquire(&pool->lock) != PV_OK)
        return PV_ELOST;
    *link_of(base, stride, tail) = pool->free_head;
    pool->free_head = head;
    pool->free_count += n;
    pv_lock_release(&pool->lock);
    return PV_OK;
}
