/* A spinlock for the shared region. A lock-free atomic is address-free, so the lock works
 * between processes that map the region, with none of the setup a process-shared pthread mutex
 * needs; critical sections in the core are short. */
#ifndef PV_LOCK_H
#define PV_LOCK_H

#include <stdatomic.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "process-shared atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "process-shared atomics must be lock-free");

typedef struct pv_lock {
    atomic_uint held;
} pv_lock;

/* Waits a moment: spins at first, then yields, since the process we wait for may be off-CPU. */
void pv_backoff(unsigned *spins);

void pv_lock_wait(pv_lock *lock);

static inline void pv_lock_init(pv_lock *lock)
{
    atomic_init(&lock->held, 0);
}

static inline void pv_lock_acquire(pv_lock *lock)
{
    if (atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
        pv_lock_wait(lock);
}

static inline void pv_lock_release(pv_lock *lock)
{
    atomic_store_explicit(&lock->held, 0, memory_order_release);
}

#endif
