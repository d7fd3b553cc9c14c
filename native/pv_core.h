/* The native core of parevm: multi-version memory, read sets, a code arena and the Block-STM
 * collaborative scheduler, all inside one caller-provided memory region.
 *
 * The region holds no pointers (only offsets and indices) and its locks are atomics, so a
 * MAP_SHARED region initialised before fork() is used by every worker process at once.
 * Capacity is fixed by pv_limits at init; every failure is a negative status, never a crash.
 * Any call that waits on another process (for a lock, or a key being added) may return
 * PV_ELOST instead of its result, once the region is lost to a process that died in it. */
#ifndef PV_CORE_H
#define PV_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "pv_key.h"

/* Status codes beyond PV_OK and PV_EINVAL (pv_key.h). */
enum {
    PV_EFULL = -2,     /* a capacity of pv_limits ran out; the state stays consistent */
    PV_ESTATE = -3,    /* the call does not fit the transaction's scheduler status */
    PV_ENOTFOUND = -4, /* no such code hash */
    PV_ETOOSMALL = -5, /* the output buffer is too small; the needed count is reported */
    PV_ELOST = -6      /* a lock's holder died or stopped inside its critical section
                        * (pv_lock.h): the region may be inconsistent; abandon it */
};

/* How a write combines with what is below it. */
enum { PV_ABSOLUTE = 0, PV_DELTA = 1 };

/* What a multi-version read found below the reading transaction. */
enum { PV_READ_NONE = 0, PV_READ_VALUE = 1, PV_READ_ESTIMATE = 2, PV_READ_DELTA = 3 };

enum { PV_TASK_NONE = 0, PV_TASK_EXECUTE = 1, PV_TASK_VALIDATE = 2, PV_TASK_DONE = 3 };

typedef struct pv_version {
    uint32_t tx;
    uint32_t incarnation;
} pv_version;

/* Capacities, fixed for the life of a region. Each is at most PV_LIMIT_MAX. code_bytes is the
 * arena size: a code blob takes its length plus a 40-byte header, rounded up to 8 bytes. */
typedef struct pv_limits {
    uint32_t txs;
    uint32_t keys;
    uint32_t entries;
    uint32_t reads;
    uint32_t code_bytes;
} pv_limits;

#define PV_LIMIT_MAX (UINT32_C(1) << 28)

typedef struct pv_write {
    pv_key key;
    uint8_t flag; /* PV_ABSOLUTE or PV_DELTA */
    uint8_t value[32];
} pv_write;

typedef struct pv_read {
    pv_key key;
    uint8_t result; /* PV_READ_* as pv_mv_read returned it */
    uint8_t exact;  /* 1: valid only while the same version is found (see pv_validate), else 0 */
    pv_version version;
    uint8_t value[32];
} pv_read;

typedef struct pv_task {
    int kind; /* PV_TASK_* */
    uint32_t tx;
    uint32_t incarnation;
} pv_task;

typedef struct pv_stats {
    uint64_t executions;
    uint64_t validations;
    uint64_t failed_validations;
    uint64_t dependencies;
    uint64_t estimate_reads;
} pv_stats;

typedef struct pv_core pv_core;

/* Region lifecycle. The region must be 8-byte aligned; initialising it again resets it. */
size_t pv_core_size(const pv_limits *limits); /* bytes needed; 0 for invalid limits */
int pv_core_init(void *region, size_t size, const pv_limits *limits);
pv_core *pv_core_at(void *region); /* NULL unless the region was initialised */

/* Multi-version memory. Reads see only the entries of lower transactions, highest first:
 * PV_READ_NONE: none (use the pre-state); PV_READ_VALUE: the highest lower ABSOLUTE value plus
 * every DELTA above it, version = the highest entry's; PV_READ_DELTA: only DELTA entries, value =
 * their sum mod 2^256 (add it to the pre-state), version = the highest entry's;
 * PV_READ_ESTIMATE: an ESTIMATE was met first, version->tx = the transaction to wait for. */
int pv_mv_read(pv_core *c, uint32_t tx, const pv_key *key, uint8_t value_out[32],
               pv_version *version_out);
/* pv_mv_read, the read written to *out as a read set records it (key, result, version, value:
 * a worker publishes these records as they are; for PV_READ_NONE the value is 0, and the reader
 * puts the pre-state value it used there, which validation compares), and in *wait_out a lower transaction
 * executing now that the reader had better wait for and then read again (PV_NO_TX: none): an
 * ESTIMATE's transaction, if it is executing again; or, when the key is hot (a validation
 * failed on it in this block), tx - 1 if it is executing and above the version found (it has
 * not written the key yet, but on a chain of writers it is the next one). */
#define PV_NO_TX UINT32_MAX
int pv_mv_read_or_wait(pv_core *c, uint32_t tx, const pv_key *key, pv_read *out,
                       uint32_t *wait_out);

/* Publishes an incarnation: the read set replaces the previous one; the write set replaces the
 * previous one entry by entry (clearing ESTIMATE), and keys no longer written are removed.
 * *wrote_new_key = 1 when a key was not written by the previous incarnation. Keys must be
 * distinct (a repeated key keeps its last write). PV_EFULL leaves the sets as they were. */
int pv_incarnation_finish(pv_core *c, uint32_t tx, uint32_t incarnation, const pv_read *reads,
                          uint32_t n_reads, const pv_write *writes, uint32_t n_writes,
                          int *wrote_new_key);

int pv_mv_mark_estimates(pv_core *c, uint32_t tx); /* after an abort: tx will likely rewrite */

/* 1 when every read of tx's read set would read the same value now (a PV_READ_NONE read: the
 * pre-state value its record holds, plus any DELTA entries below it now; a PV_READ_DELTA read:
 * DELTA entries alone, of the same sum); 0 otherwise (an ESTIMATE is invalid), and the key of
 * the first stale read becomes hot. Versions are compared only for an `exact` read (the reader
 * used the order of two writes, not only their values): a rewrite of the same value leaves
 * any other read valid. */
int pv_validate(pv_core *c, uint32_t tx);

/* The current write / read set of tx, in the order it was published. PV_ETOOSMALL when cap
 * is too small; *n is the set's size in both cases. */
int pv_tx_writes(pv_core *c, uint32_t tx, pv_write *out, uint32_t cap, uint32_t *n);
int pv_tx_reads(pv_core *c, uint32_t tx, pv_read *out, uint32_t cap, uint32_t *n);

/* Code arena, by code hash: put is idempotent (PV_EFULL when the arena is full); get gives
 * PV_ENOTFOUND, or PV_ETOOSMALL with *len set when cap is too small. */
int pv_code_put(pv_core *c, const uint8_t hash[32], const uint8_t *code, uint32_t len);
int pv_code_get(pv_core *c, const uint8_t hash[32], uint8_t *out, uint32_t cap, uint32_t *len);

/* Scheduler: the collaborative scheduler of Block-STM (Gelashvili et al. 2022, algorithms 4-5),
 * lowest index first. Incarnations start at 0. A worker loops on next_task until it gets
 * PV_TASK_DONE; PV_TASK_NONE means "nothing now, ask again". */
int pv_sched_next_task(pv_core *c, pv_task *out);
/* Transactions whose first incarnation next_task hands out before anything else, in this
 * order; the sweep then passes over them. A long transaction late in the block, reached in
 * order, would run alone at the end while the other workers idle. Speculative like any
 * execution: validation re-runs one that read what a lower transaction writes. At most
 * PV_FIRST_MAX, each below txs (else PV_EINVAL); only before the first task (else PV_ESTATE). */
#define PV_FIRST_MAX 16
int pv_sched_execute_first(pv_core *c, const uint32_t *txs, uint32_t n);
/* tx (EXECUTING) read an ESTIMATE of blocking_tx < tx. 1: tx now waits, drop its task; it is
 * handed out again once blocking_tx finishes executing. 0: blocking_tx has already executed,
 * re-run the execution now. */
int pv_sched_add_dependency(pv_core *c, uint32_t tx, uint32_t blocking_tx);
/* next->kind is PV_TASK_VALIDATE (validate tx now) or PV_TASK_NONE. */
int pv_sched_finish_execution(pv_core *c, uint32_t tx, uint32_t incarnation, int wrote_new_key,
                              pv_task *next);
/* 1 when the caller won the abort of this incarnation: it then marks the estimates and calls
 * pv_sched_finish_validation with aborted = 1. */
int pv_sched_try_validation_abort(pv_core *c, uint32_t tx, uint32_t incarnation);
/* next->kind is PV_TASK_EXECUTE (the re-execution of tx) or PV_TASK_NONE. */
int pv_sched_finish_validation(pv_core *c, uint32_t tx, int aborted, pv_task *next);
int pv_sched_done(pv_core *c); /* 1 once every transaction is executed and validated */
/* The ordered commit, beside the workers: tx must be the lowest transaction not yet committed
 * (else PV_ESTATE). 1 with *incarnation set: tx is final, no task will execute or abort it
 * again. 0: not yet; tx is still to execute, or executing, or its reads went stale (then it is
 * aborted here, as a failed validation would abort it, and executed again by a worker). */
int pv_sched_try_commit(pv_core *c, uint32_t tx, uint32_t *incarnation);
int pv_sched_executing(pv_core *c, uint32_t tx); /* 1 while an incarnation of tx executes */

/* Counters: executions and validations as tasks are handed out, failed validations as aborts
 * are won, dependencies as transactions start waiting, estimate reads as pv_mv_read meets one. */
int pv_stats_get(pv_core *c, pv_stats *out);

#endif
