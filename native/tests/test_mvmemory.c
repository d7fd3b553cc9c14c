/* Unit tests of the multi-version memory, read sets, validation, the code arena and the
 * region's limits: what reads see, how publications replace each other, what validation
 * catches, and that running out of capacity is an error that changes nothing. */
#include <stdlib.h>
#include <string.h>

#include "../pv_core.h"
#include "check.h"
#include "fixture.h"

/* Reads key from tx; returns the result and fills the value's low bits and the version. */
static int read_u64(pv_core *c, uint32_t tx, uint32_t key, uint64_t *value, pv_version *version)
{
    pv_key k = key_of(key);
    uint8_t word[32];
    int result = pv_mv_read(c, tx, &k, word, version);
    *value = word_u64(word);
    return result;
}

static int finish_writes(pv_core *c, uint32_t tx, uint32_t incarnation, const pv_write *writes,
                         uint32_t n)
{
    int wrote_new = -1;
    int rc = pv_incarnation_finish(c, tx, incarnation, NULL, 0, writes, n, &wrote_new);
    return rc < 0 ? rc : wrote_new;
}

/* Publishes tx's single read of key, as pv_mv_read reports it now; a NONE read with `pre` as
 * the pre-state value its reader used, and `exact` as given. */
static void finish_read(pv_core *c, uint32_t tx, uint32_t incarnation, uint32_t key, uint64_t pre,
                        uint8_t exact)
{
    pv_read r;
    memset(&r, 0, sizeof r);
    r.key = key_of(key);
    r.result = (uint8_t)pv_mv_read(c, tx, &r.key, r.value, &r.version);
    if (r.result == PV_READ_NONE)
        word_of(r.value, pre);
    r.exact = exact;
    int wrote_new;
    CHECK(pv_incarnation_finish(c, tx, incarnation, &r, 1, NULL, 0, &wrote_new) == PV_OK);
}

static void finish_one_read(pv_core *c, uint32_t tx, uint32_t incarnation, uint32_t key)
{
    finish_read(c, tx, incarnation, key, 0, 0);
}

static void test_limits_and_init(void)
{
    pv_limits limits = {4, 4, 4, 4, 64};
    CHECK(pv_core_size(NULL) == 0);
    size_t size = pv_core_size(&limits);
    CHECK(size > 0);
    pv_limits huge = limits;
    huge.keys = PV_LIMIT_MAX + 1;
    CHECK(pv_core_size(&huge) == 0);

    char *region = calloc(1, size + 8);
    CHECK(pv_core_at(region) == NULL);
    CHECK(pv_core_init(region, size - 1, &limits) == PV_EINVAL);
    CHECK(pv_core_init(region + 1, size, &limits) == PV_EINVAL);
    CHECK(pv_core_init(NULL, size, &limits) == PV_EINVAL);
    CHECK(pv_core_init(region, size, &huge) == PV_EINVAL);
    CHECK(pv_core_at(region) == NULL);
    CHECK(pv_core_init(region, size, &limits) == PV_OK);
    CHECK(pv_core_at(region) == (pv_core *)region);
    free(region);
}

static void test_reads_see_the_highest_lower_write(void)
{
    pv_core *c = core_new(8, 8, 8, 8, 0);
    uint64_t v;
    pv_version ver;
    CHECK(read_u64(c, 5, 1, &v, &ver) == PV_READ_NONE);
    pv_write w = write_of(1, PV_ABSOLUTE, 50);
    CHECK(finish_writes(c, 2, 0, &w, 1) == 1);
    w = write_of(1, PV_ABSOLUTE, 70);
    CHECK(finish_writes(c, 4, 0, &w, 1) == 1);

    CHECK(read_u64(c, 2, 1, &v, &ver) == PV_READ_NONE); /* its own write is not visible */
    CHECK(read_u64(c, 1, 1, &v, &ver) == PV_READ_NONE);
    CHECK(read_u64(c, 3, 1, &v, &ver) == PV_READ_VALUE && v == 50);
    CHECK(ver.tx == 2 && ver.incarnation == 0);
    CHECK(read_u64(c, 4, 1, &v, &ver) == PV_READ_VALUE && v == 50);
    CHECK(read_u64(c, 7, 1, &v, &ver) == PV_READ_VALUE && v == 70 && ver.tx == 4);
    CHECK(read_u64(c, 7, 2, &v, &ver) == PV_READ_NONE); /* another key */
    free(c);
}

static void test_deltas_fold_onto_the_value_below(void)
{
    pv_core *c = core_new(8, 8, 8, 8, 0);
    uint64_t v;
    pv_version ver;
    pv_write w = write_of(1, PV_DELTA, 3);
    finish_writes(c, 1, 0, &w, 1);
    w = write_of(1, PV_DELTA, 4);
    finish_writes(c, 3, 2, &w, 1);
    CHECK(read_u64(c, 2, 1, &v, &ver) == PV_READ_DELTA && v == 3 && ver.tx == 1);
    CHECK(read_u64(c, 5, 1, &v, &ver) == PV_READ_DELTA && v == 7);
    CHECK(ver.tx == 3 && ver.incarnation == 2);
    w = write_of(1, PV_ABSOLUTE, 10);
    finish_writes(c, 0, 0, &w, 1);
    CHECK(read_u64(c, 5, 1, &v, &ver) == PV_READ_VALUE && v == 17 && ver.tx == 3);
    CHECK(read_u64(c, 1, 1, &v, &ver) == PV_READ_VALUE && v == 10 && ver.tx == 0);
    w = write_of(1, PV_ABSOLUTE, 100);
    finish_writes(c, 2, 0, &w, 1); /* an absolute write hides the deltas below it */
    CHECK(read_u64(c, 5, 1, &v, &ver) == PV_READ_VALUE && v == 104);
    free(c);
}

static void test_delta_sums_are_256_bit(void)
{
    pv_core *c = core_new(4, 4, 4, 4, 0);
    pv_write writes[2];
    writes[0] = write_of(1, PV_ABSOLUTE, 0);
    memset(writes[0].value, 0xff, 32); /* 2^256 - 1 */
    writes[1] = write_of(2, PV_ABSOLUTE, 0xff);
    finish_writes(c, 0, 0, writes, 2);
    pv_write one[2] = {write_of(1, PV_DELTA, 1), write_of(2, PV_DELTA, 1)};
    finish_writes(c, 1, 0, one, 2);
    uint8_t word[32], zero[32] = {0};
    pv_version ver;
    CHECK(pv_mv_read(c, 2, &one[0].key, word, &ver) == PV_READ_VALUE);
    CHECK(memcmp(word, zero, 32) == 0); /* wraps around */
    CHECK(pv_mv_read(c, 2, &one[1].key, word, &ver) == PV_READ_VALUE);
    CHECK(word_u64(word) == 0x100); /* carries across bytes */
    free(c);
}

static void test_estimates_block_readers(void)
{
    pv_core *c = core_new(8, 8, 8, 8, 0);
    uint64_t v;
    pv_version ver;
    pv_write w = write_of(1, PV_ABSOLUTE, 5);
    finish_writes(c, 2, 0, &w, 1);
    w = write_of(1, PV_DELTA, 1);
    finish_writes(c, 4, 0, &w, 1);
    CHECK(pv_mv_mark_estimates(c, 2) == PV_OK);
    CHECK(read_u64(c, 3, 1, &v, &ver) == PV_READ_ESTIMATE && ver.tx == 2);
    CHECK(read_u64(c, 6, 1, &v, &ver) == PV_READ_ESTIMATE && ver.tx == 2); /* under a delta */
    CHECK(read_u64(c, 2, 1, &v, &ver) == PV_READ_NONE);
    pv_stats stats;
    pv_stats_get(c, &stats);
    CHECK(stats.estimate_reads == 2);
    w = write_of(1, PV_ABSOLUTE, 6);
    finish_writes(c, 2, 1, &w, 1); /* the re-execution clears it */
    CHECK(read_u64(c, 3, 1, &v, &ver) == PV_READ_VALUE && v == 6 && ver.incarnation == 1);
    free(c);
}

/* The write set of tx as key numbers, in order; returns how many. */
static uint32_t written_keys(pv_core *c, uint32_t tx, uint32_t *keys, uint32_t cap)
{
    pv_write out[8];
    uint32_t n = 0;
    CHECK(pv_tx_writes(c, tx, out, 8, &n) == PV_OK);
    for (uint32_t i = 0; i < n && i < cap; i++)
        memcpy(&keys[i], out[i].key.slot + 28, sizeof keys[i]);
    return n;
}

static void test_publications_replace_the_write_set(void)
{
    /* Three entries in all: reuse of removed entries is part of what is tested. */
    pv_core *c = core_new(4, 8, 3, 4, 0);
    uint32_t keys[8];
    uint64_t v;
    pv_version ver;
    pv_write ab[2] = {write_of(1, PV_ABSOLUTE, 1), write_of(2, PV_ABSOLUTE, 2)};
    CHECK(finish_writes(c, 1, 0, ab, 2) == 1);
    pv_write bc[2] = {write_of(2, PV_ABSOLUTE, 20), write_of(3, PV_ABSOLUTE, 30)};
    CHECK(finish_writes(c, 1, 1, bc, 2) == 1); /* key 3 is new */
    CHECK(read_u64(c, 2, 1, &v, &ver) == PV_READ_NONE); /* key 1 is no longer written */
    CHECK(read_u64(c, 2, 2, &v, &ver) == PV_READ_VALUE && v == 20 && ver.incarnation == 1);
    CHECK(written_keys(c, 1, keys, 8) == 2 && keys[0] == 2 && keys[1] == 3);
    pv_write cb[2] = {write_of(3, PV_ABSOLUTE, 31), write_of(2, PV_ABSOLUTE, 21)};
    CHECK(finish_writes(c, 1, 2, cb, 2) == 0); /* same keys: nothing new */
    CHECK(written_keys(c, 1, keys, 8) == 2 && keys[0] == 3 && keys[1] == 2);
    for (uint32_t inc = 3; inc < 20; inc++) { /* new keys in turn, within three entries */
        pv_write w = write_of(1 + inc % 4, PV_ABSOLUTE, inc);
        CHECK(finish_writes(c, 1, inc, &w, 1) == 1);
        w = write_of(7, PV_ABSOLUTE, inc);
        CHECK(finish_writes(c, 2, inc, &w, 1) == (inc == 3));
    }
    CHECK(finish_writes(c, 1, 20, NULL, 0) == 0);
    CHECK(written_keys(c, 1, keys, 8) == 0);
    free(c);
}

static void test_repeated_key_keeps_the_last_write(void)
{
    pv_core *c = core_new(4, 4, 4, 4, 0);
    pv_write w[3] = {write_of(1, PV_ABSOLUTE, 1), write_of(2, PV_ABSOLUTE, 2),
                     write_of(1, PV_ABSOLUTE, 3)};
    CHECK(finish_writes(c, 0, 0, w, 3) == 1);
    uint32_t keys[8];
    uint64_t v;
    pv_version ver;
    CHECK(written_keys(c, 0, keys, 8) == 2 && keys[0] == 1 && keys[1] == 2);
    CHECK(read_u64(c, 1, 1, &v, &ver) == PV_READ_VALUE && v == 3);
    CHECK(finish_writes(c, 0, 1, w, 3) == 0);
    CHECK(written_keys(c, 0, keys, 8) == 2);
    free(c);
}

static void test_validation_catches_changed_reads(void)
{
    pv_core *c = core_new(8, 8, 8, 8, 0);
    pv_write w = write_of(1, PV_ABSOLUTE, 5);
    finish_read(c, 3, 0, 1, 4, 0); /* nothing there yet: the pre-state's 4 */
    CHECK(pv_validate(c, 3) == 1);
    finish_writes(c, 1, 0, &w, 1);
    CHECK(pv_validate(c, 3) == 0); /* 5 now */
    finish_one_read(c, 3, 1, 1); /* sees (1, 0) */
    CHECK(pv_validate(c, 3) == 1);
    finish_writes(c, 4, 0, &w, 1); /* above the reader: irrelevant */
    CHECK(pv_validate(c, 3) == 1);
    finish_writes(c, 1, 1, &w, 1); /* the same value from a new incarnation */
    CHECK(pv_validate(c, 3) == 1);
    w = write_of(1, PV_ABSOLUTE, 6);
    finish_writes(c, 2, 0, &w, 1); /* another value, from a new writer */
    CHECK(pv_validate(c, 3) == 0);
    finish_one_read(c, 3, 2, 1);
    pv_mv_mark_estimates(c, 2);
    CHECK(pv_validate(c, 3) == 0);
    free(c);
}

static void test_validation_compares_values_not_writers(void)
{
    pv_core *c = core_new(8, 8, 8, 8, 0);
    pv_write w = write_of(1, PV_ABSOLUTE, 4);
    finish_read(c, 3, 0, 1, 4, 0); /* the pre-state's 4 */
    finish_writes(c, 1, 0, &w, 1); /* 4 written again below the reader */
    CHECK(pv_validate(c, 3) == 1);
    w = write_of(1, PV_DELTA, 0); /* a credit of 0 above it */
    finish_writes(c, 2, 0, &w, 1);
    CHECK(pv_validate(c, 3) == 1);
    w = write_of(1, PV_DELTA, 1);
    finish_writes(c, 2, 1, &w, 1);
    CHECK(pv_validate(c, 3) == 0);

    w = write_of(2, PV_DELTA, 0); /* only deltas, summing to 0, over the pre-state's 9 */
    finish_read(c, 6, 0, 2, 9, 0);
    finish_writes(c, 5, 0, &w, 1);
    CHECK(pv_validate(c, 6) == 1);
    w = write_of(2, PV_DELTA, 3);
    finish_writes(c, 5, 1, &w, 1);
    CHECK(pv_validate(c, 6) == 0);

    /* An exact read holds only while it finds the same writer. */
    w = write_of(3, PV_ABSOLUTE, 7);
    finish_writes(c, 1, 2, &w, 1);
    finish_read(c, 4, 0, 3, 0, 1);
    CHECK(pv_validate(c, 4) == 1);
    finish_writes(c, 2, 2, &w, 1); /* the same value, a writer above the one it saw */
    CHECK(pv_validate(c, 4) == 0);
    finish_read(c, 7, 0, 4, 7, 1); /* NONE, exact: any writer below makes it stale */
    w = write_of(4, PV_ABSOLUTE, 7);
    finish_writes(c, 6, 0, &w, 1);
    CHECK(pv_validate(c, 7) == 0);
    free(c);
}

static void test_validation_compares_values_folded_from_deltas(void)
{
    pv_core *c = core_new(8, 8, 8, 8, 0);
    pv_write w = write_of(1, PV_ABSOLUTE, 10);
    finish_writes(c, 0, 0, &w, 1);
    w = write_of(1, PV_DELTA, 5);
    finish_writes(c, 1, 0, &w, 1);
    finish_writes(c, 2, 0, &w, 1);
    finish_one_read(c, 3, 0, 1); /* VALUE 20, version (2, 0) */
    CHECK(pv_validate(c, 3) == 1);
    finish_writes(c, 2, 1, &w, 1); /* a new version, the same delta */
    CHECK(pv_validate(c, 3) == 1);
    w = write_of(1, PV_DELTA, 6);
    finish_writes(c, 1, 1, &w, 1);
    CHECK(pv_validate(c, 3) == 0);

    w = write_of(2, PV_DELTA, 7); /* only deltas: compared by value too */
    finish_writes(c, 5, 0, &w, 1);
    finish_one_read(c, 6, 0, 2);
    finish_writes(c, 5, 1, &w, 1);
    CHECK(pv_validate(c, 6) == 1);
    w = write_of(2, PV_DELTA, 8);
    finish_writes(c, 5, 2, &w, 1);
    CHECK(pv_validate(c, 6) == 0);
    free(c);
}

static void test_read_sets_round_trip(void)
{
    pv_core *c = core_new(4, 4, 4, 4, 0);
    pv_read reads[3];
    memset(reads, 0, sizeof reads);
    for (uint32_t i = 0; i < 3; i++) {
        reads[i].key = key_of(i);
        reads[i].result = PV_READ_VALUE;
        reads[i].version = (pv_version){i, i + 1};
        word_of(reads[i].value, 100 + i);
    }
    int wrote_new;
    CHECK(pv_incarnation_finish(c, 3, 0, reads, 3, NULL, 0, &wrote_new) == PV_OK);
    pv_read out[3];
    uint32_t n = 0;
    CHECK(pv_tx_reads(c, 3, out, 2, &n) == PV_ETOOSMALL && n == 3);
    CHECK(pv_tx_reads(c, 3, NULL, 0, &n) == PV_ETOOSMALL && n == 3);
    CHECK(pv_tx_reads(c, 3, out, 3, &n) == PV_OK && n == 3);
    CHECK(memcmp(out, reads, sizeof reads) == 0);
    pv_write w[2] = {write_of(1, PV_ABSOLUTE, 1), write_of(2, PV_DELTA, 2)};
    finish_writes(c, 0, 0, w, 2);
    pv_write wout[2];
    CHECK(pv_tx_writes(c, 0, wout, 1, &n) == PV_ETOOSMALL && n == 2);
    CHECK(pv_tx_writes(c, 0, wout, 2, &n) == PV_OK && n == 2);
    CHECK(memcmp(wout, w, sizeof w) == 0);
    CHECK(pv_tx_writes(c, 1, NULL, 0, &n) == PV_OK && n == 0);
    free(c);
}

/* Hands out tasks until n executions have started (tx 0 .. n-1 are then EXECUTING). */
static void start_executions(pv_core *c, uint32_t n)
{
    for (uint32_t started = 0; started < n;) {
        pv_task task;
        CHECK(pv_sched_next_task(c, &task) == PV_OK);
        started += task.kind == PV_TASK_EXECUTE;
    }
}

/* The transaction pv_mv_read_or_wait says to wait for; its record is pv_mv_read's read. */
static uint32_t wait_for(pv_core *c, uint32_t tx, uint32_t key)
{
    pv_key k = key_of(key);
    pv_read seen, expected;
    memset(&seen, 0xee, sizeof seen);
    memset(&expected, 0, sizeof expected);
    uint32_t wait = 0;
    int result = pv_mv_read_or_wait(c, tx, &k, &seen, &wait);
    CHECK(result >= 0 && result == pv_mv_read(c, tx, &k, expected.value, &expected.version));
    CHECK(pv_key_equal(&seen.key, &k) && seen.result == result);
    CHECK(seen.version.tx == expected.version.tx &&
          seen.version.incarnation == expected.version.incarnation);
    CHECK(memcmp(seen.value, expected.value, sizeof seen.value) == 0);
    return wait;
}

static void test_reads_wait_for_likely_writers_in_flight(void)
{
    pv_core *c = core_new(8, 8, 8, 8, 0);
    pv_write w[2] = {write_of(1, PV_ABSOLUTE, 5), write_of(2, PV_ABSOLUTE, 5)};
    finish_writes(c, 0, 0, w, 2);
    finish_one_read(c, 3, 0, 1);
    start_executions(c, 3);
    CHECK(pv_sched_executing(c, 2) == 1 && pv_sched_executing(c, 3) == 0);
    CHECK(wait_for(c, 5, 1) == PV_NO_TX); /* not hot: speculate */
    w[0] = write_of(1, PV_ABSOLUTE, 6);
    finish_writes(c, 0, 1, w, 2);
    CHECK(pv_validate(c, 3) == 0); /* tx 3 read 5: key 1 is now hot */
    CHECK(wait_for(c, 3, 1) == 2); /* the execution in flight just below, above the writer */
    CHECK(wait_for(c, 5, 1) == PV_NO_TX); /* tx 4 is not executing: no wait for tx 2 */
    CHECK(wait_for(c, 1, 1) == PV_NO_TX); /* the writer (tx 0) is just below tx 1 */
    CHECK(wait_for(c, 3, 2) == PV_NO_TX); /* key 2 is not hot */
    CHECK(wait_for(c, 3, 3) == PV_NO_TX); /* a key nobody wrote */
    CHECK(pv_mv_mark_estimates(c, 0) == PV_OK);
    CHECK(wait_for(c, 1, 2) == 0); /* an ESTIMATE of a transaction executing again */
    pv_task next;
    CHECK(pv_sched_finish_execution(c, 0, 0, 0, &next) == PV_OK);
    CHECK(wait_for(c, 1, 2) == PV_NO_TX); /* its execution is over: take the ESTIMATE */
    CHECK(wait_for(c, 1, 1) == PV_NO_TX); /* hot or not */
    pv_key k = key_of(1);
    pv_read seen;
    uint32_t wait;
    CHECK(pv_mv_read_or_wait(c, 1, &k, &seen, NULL) == PV_EINVAL);
    CHECK(pv_mv_read_or_wait(c, 1, &k, NULL, &wait) == PV_EINVAL);
    CHECK(pv_sched_executing(c, 8) == PV_EINVAL);
    free(c);
}

static void test_code_arena(void)
{
    pv_core *c = core_new(1, 1, 1, 1, 176);
    uint8_t h1[32] = {1}, h2[32] = {2}, h3[32] = {3}, h4[32] = {4};
    uint8_t code[64], out[64];
    for (int i = 0; i < 64; i++)
        code[i] = (uint8_t)(i * 7);
    uint32_t len = 0;
    CHECK(pv_code_get(c, h1, out, sizeof out, &len) == PV_ENOTFOUND);
    CHECK(pv_code_put(c, h1, code, 40) == PV_OK); /* 40 + 40 bytes */
    CHECK(pv_code_put(c, h1, code, 40) == PV_OK); /* again: no more space used */
    CHECK(pv_code_get(c, h1, out, sizeof out, &len) == PV_OK && len == 40);
    CHECK(memcmp(out, code, 40) == 0);
    CHECK(pv_code_get(c, h1, out, 39, &len) == PV_ETOOSMALL && len == 40);
    CHECK(pv_code_get(c, h1, NULL, 0, &len) == PV_ETOOSMALL && len == 40);
    CHECK(pv_code_put(c, h2, NULL, 0) == PV_OK); /* empty code: 40 bytes */
    CHECK(pv_code_get(c, h2, NULL, 0, &len) == PV_OK && len == 0);
    CHECK(pv_code_put(c, h3, code, 17) == PV_EFULL); /* 64 > 56 left */
    CHECK(pv_code_put(c, h3, code, 16) == PV_OK);
    CHECK(pv_code_put(c, h4, NULL, 0) == PV_EFULL);
    CHECK(pv_code_get(c, h3, out, sizeof out, &len) == PV_OK && len == 16);
    CHECK(pv_code_get(c, h4, out, sizeof out, &len) == PV_ENOTFOUND);
    CHECK(pv_code_put(c, h4, NULL, 1) == PV_EINVAL);
    CHECK(pv_code_get(c, NULL, out, 1, &len) == PV_EINVAL);
    CHECK(pv_code_get(c, h1, NULL, 1, &len) == PV_EINVAL);
    free(c);
}

static void test_running_out_changes_nothing(void)
{
    /* 3 keys, 3 entries, 2 read records. */
    pv_core *c = core_new(4, 3, 3, 2, 0);
    uint32_t keys[8];
    uint64_t v;
    pv_version ver;
    pv_write ab[2] = {write_of(1, PV_ABSOLUTE, 1), write_of(2, PV_ABSOLUTE, 2)};
    CHECK(finish_writes(c, 0, 0, ab, 2) == 1);
    pv_write many[4] = {write_of(1, PV_ABSOLUTE, 9), write_of(3, PV_ABSOLUTE, 9),
                        write_of(4, PV_ABSOLUTE, 9), write_of(5, PV_ABSOLUTE, 9)};
    CHECK(finish_writes(c, 0, 1, many, 4) == PV_EFULL); /* a fourth key */
    pv_write two_new[2] = {write_of(1, PV_ABSOLUTE, 9), write_of(3, PV_ABSOLUTE, 9)};
    CHECK(finish_writes(c, 1, 0, two_new, 2) == PV_EFULL); /* a fourth entry */
    pv_read reads[3];
    memset(reads, 0, sizeof reads);
    int wrote_new = -1;
    CHECK(pv_incarnation_finish(c, 0, 1, reads, 3, two_new, 2, &wrote_new) == PV_EFULL);
    /* tx 0's write set and every read are as before */
    CHECK(written_keys(c, 0, keys, 8) == 2 && keys[0] == 1 && keys[1] == 2);
    CHECK(read_u64(c, 1, 1, &v, &ver) == PV_READ_VALUE && v == 1 && ver.incarnation == 0);
    CHECK(read_u64(c, 1, 3, &v, &ver) == PV_READ_NONE);
    /* what fits still works */
    CHECK(pv_incarnation_finish(c, 0, 1, reads, 2, two_new, 2, &wrote_new) == PV_OK);
    CHECK(wrote_new == 1);
    CHECK(read_u64(c, 1, 2, &v, &ver) == PV_READ_NONE);
    CHECK(read_u64(c, 1, 3, &v, &ver) == PV_READ_VALUE && v == 9);
    CHECK(finish_writes(c, 1, 0, &ab[1], 1) == 1); /* the entry freed by key 2 */
    free(c);
}

static void test_bad_arguments(void)
{
    pv_core *c = core_new(2, 2, 2, 2, 0);
    pv_key key = key_of(1);
    uint8_t word[32];
    pv_version ver;
    uint32_t n;
    int wrote_new;
    CHECK(pv_mv_read(NULL, 0, &key, word, &ver) == PV_EINVAL);
    CHECK(pv_mv_read(c, 2, &key, word, &ver) == PV_EINVAL);
    CHECK(pv_mv_read(c, 0, NULL, word, &ver) == PV_EINVAL);
    CHECK(pv_mv_read(c, 0, &key, NULL, &ver) == PV_EINVAL);
    CHECK(pv_mv_read(c, 0, &key, word, NULL) == PV_EINVAL);
    key.kind = PV_KIND_COUNT;
    CHECK(pv_mv_read(c, 1, &key, word, &ver) == PV_EINVAL);
    pv_write w = write_of(1, PV_ABSOLUTE, 1);
    CHECK(pv_incarnation_finish(c, 2, 0, NULL, 0, &w, 1, &wrote_new) == PV_EINVAL);
    CHECK(pv_incarnation_finish(c, 0, 0, NULL, 0, &w, 1, NULL) == PV_EINVAL);
    CHECK(pv_incarnation_finish(c, 0, 0, NULL, 1, &w, 1, &wrote_new) == PV_EINVAL);
    CHECK(pv_incarnation_finish(c, 0, 0, NULL, 0, NULL, 1, &wrote_new) == PV_EINVAL);
    w.flag = 2;
    CHECK(pv_incarnation_finish(c, 0, 0, NULL, 0, &w, 1, &wrote_new) == PV_EINVAL);
    w = write_of(1, PV_ABSOLUTE, 1);
    w.key.kind = PV_KIND_COUNT;
    CHECK(pv_incarnation_finish(c, 0, 0, NULL, 0, &w, 1, &wrote_new) == PV_EINVAL);
    pv_read r;
    memset(&r, 0, sizeof r);
    r.result = PV_READ_DELTA + 1;
    CHECK(pv_incarnation_finish(c, 0, 0, &r, 1, NULL, 0, &wrote_new) == PV_EINVAL);
    r.result = PV_READ_VALUE;
    r.exact = 2;
    CHECK(pv_incarnation_finish(c, 0, 0, &r, 1, NULL, 0, &wrote_new) == PV_EINVAL);
    CHECK(pv_mv_mark_estimates(c, 2) == PV_EINVAL);
    CHECK(pv_validate(c, 2) == PV_EINVAL);
    CHECK(pv_validate(NULL, 0) == PV_EINVAL);
    CHECK(pv_tx_writes(c, 0, NULL, 1, &n) == PV_EINVAL);
    CHECK(pv_tx_writes(c, 0, NULL, 0, NULL) == PV_EINVAL);
    CHECK(pv_tx_reads(c, 2, NULL, 0, &n) == PV_EINVAL);
    CHECK(pv_stats_get(c, NULL) == PV_EINVAL);
    free(c);
}

int main(void)
{
    RUN(test_limits_and_init);
    RUN(test_reads_see_the_highest_lower_write);
    RUN(test_deltas_fold_onto_the_value_below);
    RUN(test_delta_sums_are_256_bit);
    RUN(test_estimates_block_readers);
    RUN(test_publications_replace_the_write_set);
    RUN(test_repeated_key_keeps_the_last_write);
    RUN(test_validation_catches_changed_reads);
    RUN(test_validation_compares_values_not_writers);
    RUN(test_validation_compares_values_folded_from_deltas);
    RUN(test_read_sets_round_trip);
    RUN(test_reads_wait_for_likely_writers_in_flight);
    RUN(test_code_arena);
    RUN(test_running_out_changes_nothing);
    RUN(test_bad_arguments);
    return REPORT();
}
