/* Tests of the Block-STM scheduler: the order of tasks, dependencies, aborts, state errors,
 * and whole blocks run by the worker loop, in one process and in four forked processes that
 * share the region, checked against sequential execution. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, alarm, fork */

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../pv_core.h"
#include "check.h"
#include "fixture.h"

static pv_task next_task(pv_core *c)
{
    pv_task task;
    CHECK(pv_sched_next_task(c, &task) == PV_OK);
    return task;
}

static int is_task(pv_task task, int kind, uint32_t tx, uint32_t incarnation)
{
    return task.kind == kind && task.tx == tx && task.incarnation == incarnation;
}

static void test_tasks_go_lowest_first_until_done(void)
{
    pv_core *c = core_new(3, 1, 1, 1, 0);
    pv_task next;
    for (uint32_t tx = 0; tx < 3; tx++) {
        CHECK(is_task(next_task(c), PV_TASK_EXECUTE, tx, 0));
        CHECK(pv_sched_finish_execution(c, tx, 0, 1, &next) == PV_OK);
        CHECK(next.kind == PV_TASK_NONE);
        CHECK(is_task(next_task(c), PV_TASK_VALIDATE, tx, 0));
        CHECK(pv_sched_done(c) == 0);
        CHECK(pv_sched_finish_validation(c, tx, 0, &next) == PV_OK);
        CHECK(next.kind == PV_TASK_NONE);
    }
    CHECK(next_task(c).kind == PV_TASK_DONE);
    CHECK(pv_sched_done(c) == 1);
    pv_stats stats;
    pv_stats_get(c, &stats);
    CHECK(stats.executions == 3 && stats.validations == 3 && stats.failed_validations == 0);
    free(c);
}

static void test_dependency_waits_for_the_blocking_execution(void)
{
    pv_core *c = core_new(2, 1, 1, 1, 0);
    pv_task next;
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 0, 0));
    /* tx 0 is not executed: the validation sweep passes it over, and tx 1 is next. */
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 1, 0));
    CHECK(pv_sched_add_dependency(c, 1, 0) == 1);
    CHECK(pv_sched_finish_execution(c, 1, 0, 1, &next) == PV_ESTATE); /* it waits */
    CHECK(pv_sched_finish_execution(c, 0, 0, 1, &next) == PV_OK);
    CHECK(next.kind == PV_TASK_NONE);
    CHECK(is_task(next_task(c), PV_TASK_VALIDATE, 0, 0));
    CHECK(pv_sched_finish_validation(c, 0, 0, &next) == PV_OK);
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 1, 1)); /* resumed as its next incarnation */
    CHECK(pv_sched_add_dependency(c, 1, 0) == 0); /* tx 0 is executed: re-run now */
    CHECK(pv_sched_finish_execution(c, 1, 1, 0, &next) == PV_OK);
    CHECK(next.kind == PV_TASK_NONE);
    CHECK(is_task(next_task(c), PV_TASK_VALIDATE, 1, 1));
    CHECK(pv_sched_finish_validation(c, 1, 0, &next) == PV_OK);
    CHECK(next_task(c).kind == PV_TASK_DONE);
    pv_stats stats;
    pv_stats_get(c, &stats);
    CHECK(stats.dependencies == 1 && stats.executions == 3);
    free(c);
}

static void test_failed_validation_reexecutes(void)
{
    pv_core *c = core_new(2, 1, 1, 1, 0);
    pv_task next;
    for (uint32_t tx = 0; tx < 2; tx++) {
        CHECK(is_task(next_task(c), PV_TASK_EXECUTE, tx, 0));
        CHECK(pv_sched_finish_execution(c, tx, 0, 0, &next) == PV_OK);
        CHECK(is_task(next_task(c), PV_TASK_VALIDATE, tx, 0));
    }
    CHECK(pv_sched_finish_validation(c, 0, 0, &next) == PV_OK);
    CHECK(pv_sched_try_validation_abort(c, 1, 1) == 0); /* not that incarnation */
    CHECK(pv_sched_try_validation_abort(c, 1, 0) == 1);
    CHECK(pv_sched_try_validation_abort(c, 1, 0) == 0); /* someone else won it */
    CHECK(pv_sched_finish_validation(c, 1, 1, &next) == PV_OK);
    CHECK(is_task(next, PV_TASK_EXECUTE, 1, 1));
    /* The validation sweep is past tx 1: finishing hands back its validation. */
    CHECK(pv_sched_finish_execution(c, 1, 1, 0, &next) == PV_OK);
    CHECK(is_task(next, PV_TASK_VALIDATE, 1, 1));
    CHECK(pv_sched_finish_validation(c, 1, 0, &next) == PV_OK);
    CHECK(next_task(c).kind == PV_TASK_DONE);
    pv_stats stats;
    pv_stats_get(c, &stats);
    CHECK(stats.failed_validations == 1 && stats.validations == 3 && stats.executions == 3);
    free(c);
}

static void test_calls_out_of_turn_are_errors(void)
{
    pv_core *c = core_new(2, 1, 1, 1, 0);
    pv_task next;
    CHECK(pv_sched_finish_execution(c, 0, 0, 0, &next) == PV_ESTATE); /* not executing */
    CHECK(pv_sched_finish_validation(c, 0, 1, &next) == PV_ESTATE);   /* not aborted */
    CHECK(pv_sched_add_dependency(c, 1, 0) == PV_ESTATE);
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 0, 0));
    CHECK(pv_sched_finish_execution(c, 0, 1, 0, &next) == PV_ESTATE); /* another incarnation */
    CHECK(pv_sched_add_dependency(c, 0, 0) == PV_EINVAL);
    CHECK(pv_sched_add_dependency(c, 0, 1) == PV_EINVAL); /* only on a lower tx */
    CHECK(pv_sched_add_dependency(c, 2, 0) == PV_EINVAL);
    CHECK(pv_sched_finish_execution(c, 2, 0, 0, &next) == PV_EINVAL);
    CHECK(pv_sched_finish_execution(c, 0, 0, 0, NULL) == PV_EINVAL);
    CHECK(pv_sched_try_validation_abort(c, 2, 0) == PV_EINVAL);
    CHECK(pv_sched_finish_validation(c, 2, 0, &next) == PV_EINVAL);
    CHECK(pv_sched_next_task(c, NULL) == PV_EINVAL);
    CHECK(pv_sched_next_task(NULL, &next) == PV_EINVAL);
    CHECK(pv_sched_done(NULL) == PV_EINVAL);
    free(c);
}

/* The fake block: K keys in a ring, tx i reads key i % K and writes key (i + 1) % K with a
 * value derived from it; every tx credits FEE with a delta; odd values also write one of three
 * EXTRA keys (so write sets change between incarnations); every seventh tx reads FEE. */
enum { TXS = 240, K = 5, FEE = K, EXTRA = K + 1, FEE_COPY = K + 4, ALL_KEYS = K + 5 };

static uint64_t pre_state(uint32_t key)
{
    return 1000 + key;
}

typedef struct fake_tx {
    uint32_t n_reads, n_writes;
    pv_read reads[2];
    pv_write writes[4];
} fake_tx;

/* Reads key for tx as an execution would: 1 and the value, or 0 and *blocking on ESTIMATE. */
static int fake_read(pv_core *c, uint32_t tx, fake_tx *run, uint32_t key, uint64_t *value,
                     uint32_t *blocking)
{
    pv_read *r = &run->reads[run->n_reads++];
    memset(r, 0, sizeof *r);
    r->key = key_of(key);
    int result = pv_mv_read(c, tx, &r->key, r->value, &r->version);
    r->result = (uint8_t)result;
    *blocking = r->version.tx;
    *value = word_u64(r->value) + (result == PV_READ_VALUE ? 0 : pre_state(key));
    return result != PV_READ_ESTIMATE;
}

static void fake_write(fake_tx *run, uint32_t key, int flag, uint64_t value)
{
    run->writes[run->n_writes++] = write_of(key, flag, value);
}

/* The transaction's logic, over any state: read(key) -> value. */
typedef uint64_t (*read_fn)(void *state, uint32_t key, int *ok);

static int fake_logic(uint32_t tx, read_fn read, void *state, fake_tx *run)
{
    int ok = 1;
    uint64_t v = read(state, tx % K, &ok) * 31 + tx;
    if (!ok)
        return 0;
    fake_write(run, (tx + 1) % K, PV_ABSOLUTE, v);
    fake_write(run, FEE, PV_DELTA, tx + 1);
    if (v & 1)
        fake_write(run, EXTRA + tx % 3, PV_ABSOLUTE, v);
    if (tx % 7 == 3) {
        uint64_t fee = read(state, FEE, &ok);
        if (!ok)
            return 0;
        fake_write(run, FEE_COPY, PV_ABSOLUTE, fee + tx);
    }
    return 1;
}

typedef struct mv_state {
    pv_core *c;
    uint32_t tx;
    fake_tx *run;
    uint32_t blocking;
} mv_state;

static uint64_t read_mv(void *state, uint32_t key, int *ok)
{
    mv_state *s = state;
    uint64_t value = 0;
    *ok = fake_read(s->c, s->tx, s->run, key, &value, &s->blocking);
    sched_yield(); /* let the other workers interleave */
    return value;
}

static uint64_t read_plain(void *state, uint32_t key, int *ok)
{
    *ok = 1;
    return ((uint64_t *)state)[key];
}

static void apply(uint64_t *state, const pv_write *writes, uint32_t n)
{
    for (uint32_t w = 0; w < n; w++) {
        uint32_t key;
        memcpy(&key, writes[w].key.slot + 28, sizeof key);
        uint64_t value = word_u64(writes[w].value);
        state[key] = writes[w].flag == PV_DELTA ? state[key] + value : value;
    }
}

static void sequential_state(uint64_t *state)
{
    for (uint32_t key = 0; key < ALL_KEYS; key++)
        state[key] = pre_state(key);
    for (uint32_t tx = 0; tx < TXS; tx++) {
        fake_tx run = {0};
        fake_logic(tx, read_plain, state, &run);
        apply(state, run.writes, run.n_writes);
    }
}

/* Executes the task until it finishes or waits; *task becomes the follow-up task. */
static int run_execution(pv_core *c, pv_task *task)
{
    for (;;) {
        fake_tx run = {0};
        mv_state state = {c, task->tx, &run, 0};
        if (fake_logic(task->tx, read_mv, &state, &run)) {
            int wrote_new_key;
            int rc = pv_incarnation_finish(c, task->tx, task->incarnation, run.reads, run.n_reads,
                                           run.writes, run.n_writes, &wrote_new_key);
            if (rc != PV_OK)
                return rc;
            return pv_sched_finish_execution(c, task->tx, task->incarnation, wrote_new_key, task);
        }
        int rc = pv_sched_add_dependency(c, task->tx, state.blocking);
        if (rc != 0) {
            task->kind = PV_TASK_NONE;
            return rc < 0 ? rc : PV_OK;
        }
    }
}

static int run_validation(pv_core *c, pv_task *task)
{
    int valid = pv_validate(c, task->tx);
    if (valid < 0)
        return valid;
    int aborted = !valid && pv_sched_try_validation_abort(c, task->tx, task->incarnation) == 1;
    if (aborted)
        pv_mv_mark_estimates(c, task->tx);
    return pv_sched_finish_validation(c, task->tx, aborted, task);
}

/* The Block-STM worker loop; PV_OK once the scheduler is done. */
static int worker(pv_core *c)
{
    pv_task task = {PV_TASK_NONE, 0, 0};
    for (;;) {
        int rc = PV_OK;
        switch (task.kind) {
        case PV_TASK_DONE:
            return PV_OK;
        case PV_TASK_EXECUTE:
            rc = run_execution(c, &task);
            break;
        case PV_TASK_VALIDATE:
            rc = run_validation(c, &task);
            break;
        default:
            rc = pv_sched_next_task(c, &task);
            if (task.kind == PV_TASK_NONE)
                sched_yield();
        }
        if (rc < 0)
            return rc;
    }
}

/* Commits the block in order and compares it with sequential execution. */
static void check_block(pv_core *c)
{
    uint64_t parallel[ALL_KEYS], sequential[ALL_KEYS];
    for (uint32_t key = 0; key < ALL_KEYS; key++)
        parallel[key] = pre_state(key);
    for (uint32_t tx = 0; tx < TXS; tx++) {
        pv_write writes[4];
        uint32_t n = 0;
        CHECK(pv_tx_writes(c, tx, writes, 4, &n) == PV_OK);
        apply(parallel, writes, n);
    }
    sequential_state(sequential);
    CHECK(memcmp(parallel, sequential, sizeof parallel) == 0);
    CHECK(pv_sched_done(c) == 1);
    pv_stats stats;
    pv_stats_get(c, &stats);
    CHECK(stats.executions >= TXS && stats.validations >= TXS);
}

static const pv_limits BLOCK_LIMITS = {TXS, ALL_KEYS, 4 * TXS, 2 * TXS, 0};

/* Publishes tx's incarnation (reads, writes) and finishes its execution task. */
static void finish(pv_core *c, uint32_t tx, uint32_t incarnation, pv_read *reads, uint32_t n_reads,
                   const pv_write *writes, uint32_t n_writes)
{
    int wrote_new_key;
    pv_task next;
    CHECK(pv_incarnation_finish(c, tx, incarnation, reads, n_reads, writes, n_writes,
                                &wrote_new_key) == PV_OK);
    CHECK(pv_sched_finish_execution(c, tx, incarnation, wrote_new_key, &next) == PV_OK);
    if (next.kind == PV_TASK_VALIDATE)
        CHECK(run_validation(c, &next) == PV_OK);
}

static void test_commit_goes_in_order_and_aborts_a_stale_read(void)
{
    pv_core *c = core_new(2, 2, 4, 4, 0);
    uint32_t incarnation = 99;
    CHECK(pv_sched_try_commit(c, 1, &incarnation) == PV_ESTATE); /* tx 0 first */
    CHECK(pv_sched_try_commit(c, 0, &incarnation) == 0);         /* not executed yet */
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 0, 0));
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 1, 0)); /* tx 0's validation passed over */
    CHECK(pv_sched_try_commit(c, 0, &incarnation) == 0); /* executing */
    pv_read read;                                        /* tx 1 reads key 0 before tx 0 writes it */
    memset(&read, 0, sizeof read);
    read.key = key_of(0);
    read.result = (uint8_t)pv_mv_read(c, 1, &read.key, read.value, &read.version);
    CHECK(read.result == PV_READ_NONE);
    finish(c, 1, 0, &read, 1, NULL, 0);
    pv_write write = write_of(0, PV_ABSOLUTE, 7);
    finish(c, 0, 0, NULL, 0, &write, 1);
    CHECK(pv_sched_try_commit(c, 0, &incarnation) == 1 && incarnation == 0);
    CHECK(pv_sched_try_commit(c, 0, &incarnation) == PV_ESTATE); /* done once */
    CHECK(pv_sched_try_validation_abort(c, 0, 0) == 0);          /* final: no task aborts it */
    /* tx 1's read is stale now that tx 0 is final: the commit aborts it for a re-execution. */
    CHECK(pv_sched_try_commit(c, 1, &incarnation) == 0);
    pv_task task;
    do
        task = next_task(c);
    while (task.kind == PV_TASK_NONE);
    CHECK(is_task(task, PV_TASK_EXECUTE, 1, 1));
    read.result = (uint8_t)pv_mv_read(c, 1, &read.key, read.value, &read.version);
    CHECK(read.result == PV_READ_VALUE && read.version.tx == 0);
    finish(c, 1, 1, &read, 1, NULL, 0);
    CHECK(pv_sched_try_commit(c, 1, &incarnation) == 1 && incarnation == 1);
    CHECK(pv_sched_try_commit(c, 2, &incarnation) == PV_EINVAL);
    CHECK(pv_sched_try_commit(c, 0, NULL) == PV_EINVAL);
    do
        task = next_task(c);
    while (task.kind == PV_TASK_NONE);
    CHECK(task.kind == PV_TASK_DONE);
    pv_stats stats;
    pv_stats_get(c, &stats);
    CHECK(stats.failed_validations == 1 && stats.executions == 3);
    free(c);
}

/* The ordered commit beside the workers: each transaction's writes applied as it commits. */
static void commit_block(pv_core *c, uint64_t *state)
{
    for (uint32_t key = 0; key < ALL_KEYS; key++)
        state[key] = pre_state(key);
    for (uint32_t tx = 0; tx < TXS;) {
        uint32_t incarnation;
        int rc = pv_sched_try_commit(c, tx, &incarnation);
        CHECK(rc >= 0);
        if (rc < 0)
            return;
        if (rc == 0) {
            sched_yield();
            continue;
        }
        pv_write writes[4];
        uint32_t n = 0;
        CHECK(pv_tx_writes(c, tx, writes, 4, &n) == PV_OK);
        apply(state, writes, n);
        tx++;
    }
}

/* The commit beside the workers may finalise a transaction before the validation sweep gets
 * to it: the sweep passes over it to the next task instead of handing out nothing. */
static void test_the_sweep_passes_over_a_committed_transaction(void)
{
    pv_core *c = core_new(2, 1, 1, 1, 0);
    pv_task next;
    uint32_t incarnation;
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 0, 0));
    CHECK(pv_sched_finish_execution(c, 0, 0, 0, &next) == PV_OK && next.kind == PV_TASK_NONE);
    CHECK(pv_sched_try_commit(c, 0, &incarnation) == 1);
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 1, 0));
    free(c);
}

static void test_transactions_given_first_run_first(void)
{
    pv_core *c = core_new(4, 1, 1, 1, 0);
    const uint32_t first[] = {3, 1};
    pv_task next;
    CHECK(pv_sched_execute_first(c, first, 2) == PV_OK);
    CHECK(pv_sched_execute_first(c, first, 1) == PV_ESTATE); /* given once */
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 3, 0));
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 1, 0));
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 0, 0));
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 2, 0)); /* the sweep passes over 1 */
    CHECK(next_task(c).kind == PV_TASK_NONE);            /* and over 3 */
    for (uint32_t tx = 4; tx-- > 0;) {
        CHECK(pv_sched_finish_execution(c, tx, 0, 1, &next) == PV_OK);
        CHECK(next.kind == PV_TASK_NONE);
    }
    for (uint32_t tx = 0; tx < 4; tx++) { /* validated in their turn */
        CHECK(is_task(next_task(c), PV_TASK_VALIDATE, tx, 0));
        CHECK(pv_sched_finish_validation(c, tx, 0, &next) == PV_OK);
    }
    CHECK(next_task(c).kind == PV_TASK_DONE);
    pv_stats stats;
    pv_stats_get(c, &stats);
    CHECK(stats.executions == 4);
    free(c);
}

static void test_transactions_given_first_are_checked(void)
{
    pv_core *c = core_new(4, 1, 1, 1, 0);
    uint32_t many[PV_FIRST_MAX + 1] = {0};
    const uint32_t beyond[] = {1, 4};
    CHECK(pv_sched_execute_first(NULL, many, 1) == PV_EINVAL);
    CHECK(pv_sched_execute_first(c, NULL, 1) == PV_EINVAL);
    CHECK(pv_sched_execute_first(c, many, PV_FIRST_MAX + 1) == PV_EINVAL);
    CHECK(pv_sched_execute_first(c, beyond, 2) == PV_EINVAL);
    CHECK(is_task(next_task(c), PV_TASK_EXECUTE, 0, 0));
    CHECK(pv_sched_execute_first(c, many, 1) == PV_ESTATE); /* a task was taken */
    free(c);
}

/* Given first in the fake block, where each transaction reads what the one before wrote: the
 * early runs read stale values and must be re-run. */
static const uint32_t BLOCK_FIRST[] = {TXS - 1, TXS / 2, 3};

static void test_one_worker_runs_the_block(void)
{
    for (int given_first = 0; given_first < 2; given_first++) {
        pv_core *c = core_new(BLOCK_LIMITS.txs, BLOCK_LIMITS.keys, BLOCK_LIMITS.entries,
                              BLOCK_LIMITS.reads, BLOCK_LIMITS.code_bytes);
        if (given_first)
            CHECK(pv_sched_execute_first(c, BLOCK_FIRST, 3) == PV_OK);
        CHECK(worker(c) == PV_OK);
        check_block(c);
        if (given_first) {
            pv_stats stats;
            pv_stats_get(c, &stats);
            CHECK(stats.failed_validations >= 3);
        }
        free(c);
    }
}

/* Four workers, and the parent committing in order beside them; every other round with
 * transactions given first. */
static void test_four_processes_run_the_block(void)
{
    enum { WORKERS = 4, ROUNDS = 5 };
    size_t size = pv_core_size(&BLOCK_LIMITS);
    void *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(region != MAP_FAILED);
    if (region == MAP_FAILED)
        return;
    uint64_t conflicts = 0;
    for (int round = 0; round < ROUNDS; round++) {
        CHECK(pv_core_init(region, size, &BLOCK_LIMITS) == PV_OK);
        pv_core *c = pv_core_at(region);
        if (round % 2)
            CHECK(pv_sched_execute_first(c, BLOCK_FIRST, 3) == PV_OK);
        int start[2]; /* the workers start together, when the parent writes to this pipe */
        CHECK(pipe(start) == 0);
        pid_t pids[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
            pids[w] = fork();
            if (pids[w] == 0) {
                char go;
                alarm(120); /* a deadlock fails the test instead of hanging it */
                _exit(read(start[0], &go, 1) == 1 && worker(c) == PV_OK ? 0 : 1);
            }
            CHECK(pids[w] > 0);
        }
        CHECK(write(start[1], "GOGO", WORKERS) == WORKERS);
        close(start[0]);
        close(start[1]);
        uint64_t committed[ALL_KEYS], sequential[ALL_KEYS];
        commit_block(c, committed);
        for (int w = 0; w < WORKERS; w++) {
            int status = 0;
            CHECK(pids[w] > 0 && waitpid(pids[w], &status, 0) == pids[w]);
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        check_block(c);
        sequential_state(sequential);
        CHECK(memcmp(committed, sequential, sizeof committed) == 0);
        pv_stats stats;
        pv_stats_get(c, &stats);
        conflicts += stats.failed_validations + stats.dependencies;
    }
    CHECK(conflicts > 0); /* the block did exercise aborts and waits */
    munmap(region, size);
}

int main(void)
{
    RUN(test_tasks_go_lowest_first_until_done);
    RUN(test_dependency_waits_for_the_blocking_execution);
    RUN(test_failed_validation_reexecutes);
    RUN(test_calls_out_of_turn_are_errors);
    RUN(test_commit_goes_in_order_and_aborts_a_stale_read);
    RUN(test_the_sweep_passes_over_a_committed_transaction);
    RUN(test_transactions_given_first_run_first);
    RUN(test_transactions_given_first_are_checked);
    RUN(test_one_worker_runs_the_block);
    RUN(test_four_processes_run_the_block);
    return REPORT();
}
