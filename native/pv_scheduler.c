/* The collaborative scheduler of Block-STM (Gelashvili et al. 2022, algorithms 4 and 5).
 *
 * Two indices sweep the block, lowest transaction first: execution_idx hands out executions,
 * validation_idx validations. Aborts and dependencies move them back (decrease_cnt counts
 * that, so check_done can tell a stable "all done" from a race). num_active_tasks counts the
 * tasks handed out and not finished; a finish that hands back a follow-up task keeps its
 * count. Lock order: a blocking tx's lock before its dependent's (the lower index first).
 *
 * The ordered commit runs beside the workers (pv_sched_try_commit): a transaction whose lower
 * transactions are all committed is committed once its last incarnation has executed and its
 * reads still hold; no task runs or aborts it after that.
 *
 * Transactions given first (pv_sched_execute_first) are handed out before both sweeps; the
 * execution sweep passes over them as over any transaction not ready to execute, and the
 * validation sweep validates them in their turn. */
#include <string.h>

#include "pv_layout.h"

enum { READY_TO_EXECUTE = 0, EXECUTING = 1, EXECUTED = 2, ABORTING = 3, COMMITTING = 4, COMMITTED = 5 };

void pv_scheduler_init(pv_core *c)
{
    for (uint32_t tx = 0; tx < c->limits.txs; tx++) {
        pv_txstatus *st = &pv_txstatus_array(c)[tx];
        pv_lock_init(&st->lock);
        st->status = READY_TO_EXECUTE;
        st->incarnation = 0;
        st->dependents = PV_NIL;
        st->next_dependent = PV_NIL;
    }
}

static pv_txstatus *status_of(pv_core *c, uint32_t tx)
{
    return &pv_txstatus_array(c)[tx];
}

static void fetch_min(atomic_uint *index, uint32_t target)
{
    uint32_t now = atomic_load(index);
    while (target < now)
        if (atomic_compare_exchange_weak(index, &now, target))
            return;
}

static void decrease_execution_idx(pv_core *c, uint32_t target)
{
    fetch_min(&c->sched.execution_idx, target);
    atomic_fetch_add(&c->sched.decrease_cnt, 1);
}

static void decrease_validation_idx(pv_core *c, uint32_t target)
{
    fetch_min(&c->sched.validation_idx, target);
    atomic_fetch_add(&c->sched.decrease_cnt, 1);
}

static void finish_task(pv_core *c)
{
    atomic_fetch_sub(&c->sched.num_active_tasks, 1);
}

static void check_done(pv_core *c)
{
    uint32_t n = c->limits.txs;
    uint64_t observed = atomic_load(&c->sched.decrease_cnt);
    if (atomic_load(&c->sched.execution_idx) >= n && atomic_load(&c->sched.validation_idx) >= n &&
        atomic_load(&c->sched.num_active_tasks) == 0 &&
        observed == atomic_load(&c->sched.decrease_cnt))
        atomic_store(&c->sched.done_marker, 1);
}

static void set_task(pv_task *task, int kind, uint32_t tx, uint32_t incarnation)
{
    task->kind = kind;
    task->tx = tx;
    task->incarnation = incarnation;
}

/* READY_TO_EXECUTE -> EXECUTING; 1 and an execution task on success, else 0 (or PV_ELOST). */
PV_MUST_CHECK static int try_incarnate(pv_core *c, uint32_t tx, pv_task *task)
{
    if (tx >= c->limits.txs)
        return 0;
    pv_txstatus *st = status_of(c, tx);
    if (pv_lock_acquire(&st->lock) != PV_OK)
        return PV_ELOST;
    int ok = st->status == READY_TO_EXECUTE;
    if (ok) {
        st->status = EXECUTING;
        set_task(task, PV_TASK_EXECUTE, tx, st->incarnation);
    }
    pv_lock_release(&st->lock);
    if (ok)
        atomic_fetch_add(&c->stats.executions, 1);
    return ok;
}

PV_MUST_CHECK static int next_version_to_execute(pv_core *c, pv_task *task)
{
    if (atomic_load(&c->sched.execution_idx) >= c->limits.txs) {
        check_done(c);
        return PV_OK;
    }
    atomic_fetch_add(&c->sched.num_active_tasks, 1);
    int rc = try_incarnate(c, atomic_fetch_add(&c->sched.execution_idx, 1), task);
    if (rc == 0)
        finish_task(c);
    return rc < 0 ? rc : PV_OK;
}

PV_MUST_CHECK static int next_version_to_validate(pv_core *c, pv_task *task)
{
    if (atomic_load(&c->sched.validation_idx) >= c->limits.txs) {
        check_done(c);
        return PV_OK;
    }
    atomic_fetch_add(&c->sched.num_active_tasks, 1);
    uint32_t tx = atomic_fetch_add(&c->sched.validation_idx, 1);
    if (tx < c->limits.txs) {
        pv_txstatus *st = status_of(c, tx);
        if (pv_lock_acquire(&st->lock) != PV_OK)
            return PV_ELOST;
        if (st->status == EXECUTED)
            set_task(task, PV_TASK_VALIDATE, tx, st->incarnation);
        pv_lock_release(&st->lock);
    }
    if (task->kind == PV_TASK_VALIDATE)
        atomic_fetch_add(&c->stats.validations, 1);
    else
        finish_task(c);
    return PV_OK;
}

int pv_sched_execute_first(pv_core *c, const uint32_t *txs, uint32_t n)
{
    if (c == NULL || (txs == NULL && n > 0) || n > PV_FIRST_MAX)
        return PV_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (txs[i] >= c->limits.txs)
            return PV_EINVAL;
    if (atomic_load(&c->sched.execution_idx) != 0 || atomic_load(&c->sched.validation_idx) != 0 ||
        c->sched.n_first != 0) /* first_idx moves only once some are given */
        return PV_ESTATE;
    memcpy(c->sched.first, txs, n * sizeof *txs);
    c->sched.n_first = n;
    return PV_OK;
}

/* The next transaction given first, if one is left and still to run (1 and its execution
 * task), else 0 (or PV_ELOST). */
PV_MUST_CHECK static int next_first(pv_core *c, pv_task *task)
{
    while (atomic_load(&c->sched.first_idx) < c->sched.n_first) {
        uint32_t i = atomic_fetch_add(&c->sched.first_idx, 1);
        if (i >= c->sched.n_first)
            break;
        atomic_fetch_add(&c->sched.num_active_tasks, 1);
        int rc = try_incarnate(c, c->sched.first[i], task);
        if (rc != 1)
            finish_task(c);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int pv_sched_next_task(pv_core *c, pv_task *out)
{
    if (c == NULL || out == NULL)
        return PV_EINVAL;
    set_task(out, PV_TASK_NONE, 0, 0);
    int first = next_first(c, out);
    if (first != 0)
        return first < 0 ? first : PV_OK;
    /* A transaction the sweep passes over (committed beside the workers, executing, waiting)
     * is no reason to idle: go on to the next one. Each round moves an index up, until one
     * gives a task or the sweep chosen is past the block. */
    while (!atomic_load(&c->sched.done_marker)) {
        uint32_t validation = atomic_load(&c->sched.validation_idx);
        uint32_t execution = atomic_load(&c->sched.execution_idx);
        int validate = validation < execution;
        int rc = validate ? next_version_to_validate(c, out) : next_version_to_execute(c, out);
        if (rc != PV_OK)
            return rc;
        if (out->kind != PV_TASK_NONE || (validate ? validation : execution) >= c->limits.txs)
            break;
    }
    if (out->kind == PV_TASK_NONE && atomic_load(&c->sched.done_marker))
        out->kind = PV_TASK_DONE;
    return PV_OK;
}

int pv_sched_add_dependency(pv_core *c, uint32_t tx, uint32_t blocking_tx)
{
    if (!pv_tx_ok(c, tx) || blocking_tx >= tx)
        return PV_EINVAL;
    pv_txstatus *blocking = status_of(c, blocking_tx), *st = status_of(c, tx);
    if (pv_lock_acquire(&blocking->lock) != PV_OK)
        return PV_ELOST;
    if (pv_lock_acquire(&st->lock) != PV_OK) {
        pv_lock_release(&blocking->lock);
        return PV_ELOST;
    }
    int rc;
    if (st->status != EXECUTING) {
        rc = PV_ESTATE;
    } else if (blocking->status == EXECUTED || blocking->status >= COMMITTING) {
        rc = 0; /* it finished meanwhile: what tx read may already be there */
    } else {
        st->status = ABORTING;
        st->next_dependent = blocking->dependents;
        blocking->dependents = tx;
        rc = 1;
    }
    pv_lock_release(&st->lock);
    pv_lock_release(&blocking->lock);
    if (rc == 1) {
        atomic_fetch_add(&c->stats.dependencies, 1);
        finish_task(c);
    }
    return rc;
}

/* ABORTING -> READY_TO_EXECUTE with the next incarnation; 1, or 0 if tx was not ABORTING
 * (or PV_ELOST). */
PV_MUST_CHECK static int set_ready_status(pv_txstatus *st)
{
    if (pv_lock_acquire(&st->lock) != PV_OK)
        return PV_ELOST;
    int ok = st->status == ABORTING;
    if (ok) {
        st->incarnation++;
        st->status = READY_TO_EXECUTE;
    }
    pv_lock_release(&st->lock);
    return ok;
}

PV_MUST_CHECK static int resume_dependencies(pv_core *c, uint32_t tx)
{
    uint32_t min = PV_NIL;
    while (tx != PV_NIL) {
        pv_txstatus *st = status_of(c, tx);
        /* Read the link first: once ready, tx may run and wait on another transaction. */
        uint32_t next = st->next_dependent;
        if (set_ready_status(st) < 0)
            return PV_ELOST;
        if (tx < min)
            min = tx;
        tx = next;
    }
    if (min != PV_NIL)
        decrease_execution_idx(c, min);
    return PV_OK;
}

int pv_sched_finish_execution(pv_core *c, uint32_t tx, uint32_t incarnation, int wrote_new_key,
                              pv_task *next)
{
    if (!pv_tx_ok(c, tx) || next == NULL)
        return PV_EINVAL;
    set_task(next, PV_TASK_NONE, 0, 0);
    pv_txstatus *st = status_of(c, tx);
    if (pv_lock_acquire(&st->lock) != PV_OK)
        return PV_ELOST;
    if (st->status != EXECUTING || st->incarnation != incarnation) {
        pv_lock_release(&st->lock);
        return PV_ESTATE;
    }
    st->status = EXECUTED;
    uint32_t dependents = st->dependents;
    st->dependents = PV_NIL;
    pv_lock_release(&st->lock);
    if (resume_dependencies(c, dependents) != PV_OK)
        return PV_ELOST;
    /* The validation sweep is already past tx: validate it here, and if it wrote a new key,
     * the higher transactions too (their reads may now find it). */
    if (atomic_load(&c->sched.validation_idx) > tx) {
        if (!wrote_new_key) {
            set_task(next, PV_TASK_VALIDATE, tx, incarnation);
            atomic_fetch_add(&c->stats.validations, 1);
            return PV_OK;
        }
        decrease_validation_idx(c, tx);
    }
    finish_task(c);
    return PV_OK;
}

int pv_sched_try_validation_abort(pv_core *c, uint32_t tx, uint32_t incarnation)
{
    if (!pv_tx_ok(c, tx))
        return PV_EINVAL;
    pv_txstatus *st = status_of(c, tx);
    if (pv_lock_acquire(&st->lock) != PV_OK)
        return PV_ELOST;
    int won = st->status == EXECUTED && st->incarnation == incarnation;
    if (won)
        st->status = ABORTING;
    pv_lock_release(&st->lock);
    if (won)
        atomic_fetch_add(&c->stats.failed_validations, 1);
    return won;
}

int pv_sched_finish_validation(pv_core *c, uint32_t tx, int aborted, pv_task *next)
{
    if (!pv_tx_ok(c, tx) || next == NULL)
        return PV_EINVAL;
    set_task(next, PV_TASK_NONE, 0, 0);
    if (aborted) {
        int ready = set_ready_status(status_of(c, tx));
        if (ready != 1)
            return ready < 0 ? ready : PV_ESTATE;
        decrease_validation_idx(c, tx + 1);
        /* Re-execute right away unless the execution sweep has yet to reach tx. */
        if (atomic_load(&c->sched.execution_idx) > tx) {
            int incarnated = try_incarnate(c, tx, next);
            if (incarnated != 0)
                return incarnated < 0 ? incarnated : PV_OK;
        }
    }
    finish_task(c);
    return PV_OK;
}

int pv_sched_try_commit(pv_core *c, uint32_t tx, uint32_t *incarnation)
{
    if (!pv_tx_ok(c, tx) || incarnation == NULL)
        return PV_EINVAL;
    if (tx != atomic_load(&c->sched.commit_idx))
        return PV_ESTATE;
    /* An active task while it lasts, so that check_done cannot see the block done between an
     * abort here and the re-execution it schedules. */
    atomic_fetch_add(&c->sched.num_active_tasks, 1);
    pv_txstatus *st = status_of(c, tx);
    if (pv_lock_acquire(&st->lock) != PV_OK)
        return PV_ELOST;
    int executed = st->status == EXECUTED;
    if (executed) {
        st->status = COMMITTING; /* no validation task may abort it meanwhile */
        *incarnation = st->incarnation;
    }
    pv_lock_release(&st->lock);
    int rc = 0;
    if (executed) {
        /* Every lower transaction is final: these reads hold now, or never will. Once the
         * block is done, every transaction has been validated against final values already. */
        rc = atomic_load(&c->sched.done_marker) ? 1 : pv_validate(c, tx);
        if (rc == PV_ELOST || pv_lock_acquire(&st->lock) != PV_OK)
            return PV_ELOST;
        st->status = rc == 1 ? COMMITTED : rc == 0 ? ABORTING : EXECUTED;
        pv_lock_release(&st->lock);
        if (rc == 1) {
            atomic_store(&c->sched.commit_idx, tx + 1);
        } else if (rc == 0) { /* as a failed validation task would, the re-execution left to the sweep */
            atomic_fetch_add(&c->stats.failed_validations, 1);
            rc = pv_mv_mark_estimates(c, tx);
            if (rc != PV_OK || set_ready_status(st) < 0)
                return PV_ELOST;
            decrease_validation_idx(c, tx + 1);
            decrease_execution_idx(c, tx);
        }
    }
    finish_task(c);
    return rc;
}

int pv_sched_executing(pv_core *c, uint32_t tx)
{
    if (!pv_tx_ok(c, tx))
        return PV_EINVAL;
    pv_txstatus *st = status_of(c, tx);
    if (pv_lock_acquire(&st->lock) != PV_OK)
        return PV_ELOST;
    int executing = st->status == EXECUTING;
    pv_lock_release(&st->lock);
    return executing;
}

int pv_sched_done(pv_core *c)
{
    if (c == NULL)
        return PV_EINVAL;
    return (int)atomic_load(&c->sched.done_marker);
}
