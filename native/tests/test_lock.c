/* Tests of the bounded lock wait: a lock whose holder died is lost after PV_PATIENCE_NS, a lock
 * held a moment is taken, and the core's calls that meet a lost lock, or a key slot an inserter
 * never finished, return PV_ELOST instead of spinning forever. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, fork, usleep */

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../pv_layout.h"
#include "check.h"
#include "fixture.h"

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* A lock in shared memory taken by a child, which holds it for hold_us, releases it unless
 * release is 0, and exits; the parent tries to take it once the child holds it. */
static int contend(unsigned hold_us, int release, int64_t *waited_ns)
{
    pv_lock *lock = mmap(NULL, sizeof *lock, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                         -1, 0);
    CHECK(lock != MAP_FAILED);
    if (lock == MAP_FAILED)
        return PV_EINVAL;
    pv_lock_init(lock);
    int held[2];
    CHECK(pipe(held) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(30);
        if (pv_lock_acquire(lock) != PV_OK || write(held[1], "h", 1) != 1)
            _exit(1);
        usleep(hold_us);
        if (release)
            pv_lock_release(lock);
        _exit(0); /* without release: as a worker killed inside a critical section */
    }
    char h;
    CHECK(pid > 0 && read(held[0], &h, 1) == 1);
    int64_t started = now_ns();
    int rc = pv_lock_acquire(lock);
    *waited_ns = now_ns() - started;
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(held[0]);
    close(held[1]);
    munmap(lock, sizeof *lock);
    return rc;
}

static void test_a_lock_whose_holder_died_is_lost(void)
{
    int64_t waited;
    CHECK(contend(0, 0, &waited) == PV_ELOST);
    CHECK(waited >= PV_PATIENCE_NS); /* never before the patience runs out */
}

static void test_a_lock_held_a_moment_is_taken(void)
{
    int64_t waited;
    CHECK(contend(200 * 1000, 1, &waited) == PV_OK);
}

/* The core's calls, where a dead process left a lock held or a key slot claimed. */
static void test_calls_meeting_a_lost_lock_return_elost(void)
{
    pv_core *c = core_new(4, 16, 16, 16, 0);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    pv_write w = write_of(1, PV_ABSOLUTE, 7);
    int wrote_new;
    CHECK(pv_incarnation_finish(c, 0, 0, NULL, 0, &w, 1, &wrote_new) == PV_OK);

    pv_keyrec *rec = &pv_keyrec_array(c)[0]; /* key 1, the only one */
    atomic_store(&rec->lock.held, 1);
    pv_key k = key_of(1);
    uint8_t value[32];
    pv_version version;
    CHECK(pv_mv_read(c, 1, &k, value, &version) == PV_ELOST);
    atomic_store(&rec->lock.held, 0);
    CHECK(pv_mv_read(c, 1, &k, value, &version) == PV_READ_VALUE);

    pv_key fresh = key_of(2);
    atomic_uint *slot = &pv_keyslot_array(c)[pv_key_hash(&fresh) & c->key_mask];
    CHECK(atomic_load(slot) == 0);
    atomic_store(slot, UINT32_MAX); /* claimed by an inserter that never filled the record */
    pv_write w2 = write_of(2, PV_ABSOLUTE, 8);
    CHECK(pv_incarnation_finish(c, 1, 0, NULL, 0, &w2, 1, &wrote_new) == PV_ELOST);

    pv_txstatus *st = &pv_txstatus_array(c)[0];
    atomic_store(&st->lock.held, 1);
    pv_task task;
    CHECK(pv_sched_next_task(c, &task) == PV_ELOST);
    free(c);
}

int main(void)
{
    alarm(120); /* a wait that never gives up fails the test instead of hanging it */
    RUN(test_a_lock_whose_holder_died_is_lost);
    RUN(test_a_lock_held_a_moment_is_taken);
    RUN(test_calls_meeting_a_lost_lock_return_elost);
    return REPORT();
}
