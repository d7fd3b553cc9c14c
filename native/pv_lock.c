#define _POSIX_C_SOURCE 200809L /* sched_yield and clock_gettime under -std=c11 */

#include "pv_lock.h"

#include <sched.h>
#include <time.h>

enum {
    SPINS_BEFORE_YIELD = 64,
    YIELDS_PER_CLOCK = 16 /* a clock read costs about as much as a yield that finds no one */
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int pv_wait_round(pv_wait *wait)
{
    unsigned round = wait->rounds++;
    if (round < SPINS_BEFORE_YIELD)
        return PV_OK;
    sched_yield();
    if ((round - SPINS_BEFORE_YIELD) % YIELDS_PER_CLOCK != 0)
        return PV_OK;
    int64_t now = now_ns();
    if (round == SPINS_BEFORE_YIELD)
        wait->since_ns = now;
    return now - wait->since_ns > PV_PATIENCE_NS ? PV_ELOST : PV_OK;
}

int pv_lock_wait(pv_lock *lock)
{
    pv_wait wait = PV_WAIT_START;
    for (;;) {
        /* Test before test-and-set: waiters spin on a shared cache line, not on writes. */
        if (!atomic_load_explicit(&lock->held, memory_order_relaxed) &&
            !atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
            return PV_OK;
        int rc = pv_wait_round(&wait);
        if (rc != PV_OK)
            return rc;
    }
}
