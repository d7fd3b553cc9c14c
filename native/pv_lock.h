/* A spinlock for the shared region. A lock-free atomic is address-free, so the lock works
 * between processes that map the region, with none of the setup a process-shared pthread mutex
 * needs; critical sections in the core are short.
 *
 * A wait is bounded: a process killed or stopped inside a critical section never releases its
 * lock, and a process waiting on it would spin forever in C, where no stall check runs. After
 * PV_PATIENCE_NS the wait gives up with PV_ELOST: the region is lost (what the holder guarded
 * may be half-changed), and the caller abandons it. */
#ifndef PV_LOCK_H
#define PV_LOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "pv_core.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "process-shared atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "process-shared atomics must be lock-free");

/* Critical sections take microseconds; a holder that is merely descheduled is back within
 * milliseconds, even on an oversubscribed machine. */
#define PV_PATIENCE_NS (INT64_C(2) * 1000000000)

#define PV_MUST_CHECK __attribute__((warn_unused_result))

typedef struct pv_lock {
    atomic_uint held;
} pv_lock;

/* A wait in progress: spins at first, then yields, since the process waited for may be
 * off-CPU; the clock starts when the yielding does. */
typedef struct pv_wait {
    unsigned rounds;
    int64_t since_ns;
} pv_wait;

#define PV_WAIT_START ((pv_wait){0, 0})

/* One round of a wait: PV_OK, or PV_ELOST once the wait has lasted PV_PATIENCE_NS. */
PV_MUST_CHECK int pv_wait_round(pv_wait *wait);

PV_MUST_CHECK int pv_lock_wait(pv_lock *lock);

static inline void pv_lock_init(pv_lock *lock)
{
    atomic_init(&lock->held, 0);
}

/* PV_OK with the lock held, or PV_ELOST without it. */
PV_MUST_CHECK static inline int pv_lock_acquire(pv_lock *lock)
{
    if (atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
        return pv_lock_wait(lock);
    return PV_OK;
}

static inline void pv_lock_release(pv_lock *lock)
{
    atomic_store_explicit(&lock->held, 0, memory_order_release);
}

#endif
