#define _POSIX_C_SOURCE 200809L /* sched_yield under -std=c11 */

#include "pv_lock.h"

#include <sched.h>

enum { SPINS_BEFORE_YIELD = 64 };

void pv_backoff(unsigned *spins)
{
    if (*spins < SPINS_BEFORE_YIELD)
        (*spins)++;
    else
        sched_yield();
}

void pv_lock_wait(pv_lock *lock)
{
    unsigned spins = 0;
    for (;;) {
        /* Test before test-and-set: waiters spin on a shared cache line, not on writes. */
        if (!atomic_load_explicit(&lock->held, memory_order_relaxed) &&
            !atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
            return;
        pv_backoff(&spins);
    }
}
