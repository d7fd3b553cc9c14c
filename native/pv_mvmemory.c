/* Multi-version memory: per key, the entries of the transactions that wrote it; per
 * transaction, its published write set (a chain of those entries) and read set. Locks: a
 * transaction's set lock, then (one at a time) key locks; readers take only the key lock. */
#include <string.h>

#include "pv_keytable.h"
#include "pv_layout.h"

/* What a read of one key below one transaction finds. */
typedef struct pv_found {
    int result;
    int with_delta; /* the value includes DELTA entries */
    pv_version version;
    uint8_t value[32];
} pv_found;

void pv_mvmemory_init(pv_core *c)
{
    pv_pool_init(&c->entry_pool, c->limits.entries);
    pv_pool_init(&c->read_pool, c->limits.reads);
    for (uint32_t tx = 0; tx < c->limits.txs; tx++) {
        pv_txsets *sets = &pv_txsets_array(c)[tx];
        pv_lock_init(&sets->lock);
        sets->gen = 0;
        sets->writes = sets->reads = PV_NIL;
        sets->n_writes = sets->n_reads = 0;
    }
}

static int key_valid(const pv_key *key)
{
    return key->kind < PV_KIND_COUNT;
}

/* acc += v mod 2^256, both big-endian. */
static void add_word(uint8_t acc[32], const uint8_t v[32])
{
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        carry += (unsigned)acc[i] + v[i];
        acc[i] = (uint8_t)carry;
        carry >>= 8;
    }
}

/* Under the key's lock: the entries below tx, highest first, folded into one result; `found`
 * comes cleared (read_key, its one caller, clears it for a key no one wrote too). */
static void find_below(pv_core *c, const pv_keyrec *key, uint32_t tx, pv_found *found)
{
    const pv_entry *entries = pv_entry_array(c);
    for (uint32_t i = key->head; i != PV_NIL; i = entries[i].next) {
        const pv_entry *e = &entries[i];
        if (e->tx >= tx)
            continue;
        if (e->estimate) {
            memset(found->value, 0, sizeof found->value);
            found->result = PV_READ_ESTIMATE;
            found->version = (pv_version){e->tx, e->incarnation};
            return;
        }
        if (found->result == PV_READ_NONE)
            found->version = (pv_version){e->tx, e->incarnation};
        add_word(found->value, e->value);
        if (e->flag == PV_ABSOLUTE) {
            found->result = PV_READ_VALUE;
            return;
        }
        found->result = PV_READ_DELTA;
        found->with_delta = 1;
    }
}

/* The key's record in *rec (NULL if no transaction wrote it) and what tx reads of it. */
PV_MUST_CHECK static int read_key(pv_core *c, uint32_t tx, const pv_key *key, uint64_t hash,
                                  pv_found *found, pv_keyrec **rec)
{
    uint32_t index;
    memset(found, 0, sizeof *found);
    *rec = NULL;
    int known = pv_keytable_find(c, key, hash, &index);
    if (known != 1)
        return known == 0 ? PV_OK : known;
    *rec = &pv_keyrec_array(c)[index];
    if (pv_lock_acquire(&(*rec)->lock) != PV_OK)
        return PV_ELOST;
    find_below(c, *rec, tx, found);
    pv_lock_release(&(*rec)->lock);
    return PV_OK;
}

/* *wait = the transaction a read had better wait for (see pv_mv_read_or_wait), or PV_NO_TX. */
PV_MUST_CHECK static int worth_waiting_for(pv_core *c, const pv_keyrec *rec, uint32_t tx,
                                           const pv_found *found, uint32_t *wait)
{
    *wait = PV_NO_TX;
    uint32_t candidate = found->version.tx;
    if (found->result != PV_READ_ESTIMATE) {
        if (rec == NULL || tx == 0 || !atomic_load_explicit(&rec->hot, memory_order_relaxed))
            return PV_OK;
        candidate = tx - 1;
        if (found->result != PV_READ_NONE && found->version.tx >= candidate)
            return PV_OK; /* the transaction below already wrote what the reader sees */
    }
    int executing = pv_sched_executing(c, candidate);
    if (executing < 0)
        return executing;
    if (executing)
        *wait = candidate;
    return PV_OK;
}

static int mv_read(pv_core *c, uint32_t tx, const pv_key *key, pv_found *found,
                   uint32_t *wait_out)
{
    if (!pv_tx_ok(c, tx) || key == NULL || !key_valid(key))
        return PV_EINVAL;
    pv_keyrec *rec;
    int rc = read_key(c, tx, key, pv_key_hash(key), found, &rec);
    if (rc != PV_OK)
        return rc;
    if (found->result == PV_READ_ESTIMATE)
        atomic_fetch_add(&c->stats.estimate_reads, 1);
    if (wait_out != NULL && (rc = worth_waiting_for(c, rec, tx, found, wait_out)) != PV_OK)
        return rc;
    return found->result;
}

int pv_mv_read(pv_core *c, uint32_t tx, const pv_key *key, uint8_t value_out[32],
               pv_version *version_out)
{
    if (value_out == NULL || version_out == NULL)
        return PV_EINVAL;
    pv_found found;
    int rc = mv_read(c, tx, key, &found, NULL);
    if (rc >= 0) {
        memcpy(value_out, found.value, sizeof found.value);
        *version_out = found.version;
    }
    return rc;
}

int pv_mv_read_or_wait(pv_core *c, uint32_t tx, const pv_key *key, pv_read *out,
                       uint32_t *wait_out)
{
    if (out == NULL || wait_out == NULL)
        return PV_EINVAL;
    pv_found found;
    int rc = mv_read(c, tx, key, &found, wait_out);
    if (rc >= 0) {
        out->key = *key;
        out->result = (uint8_t)found.result;
        out->exact = 0;
        out->version = found.version;
        memcpy(out->value, found.value, sizeof found.value);
    }
    return rc;
}

/* Under the key's lock: the first entry with tx' <= tx (PV_NIL if none) and the one before it
 * (PV_NIL if it is the head), i.e. where tx's entry is or goes. */
static uint32_t seek(pv_core *c, const pv_keyrec *key, uint32_t tx, uint32_t *prev)
{
    const pv_entry *entries = pv_entry_array(c);
    *prev = PV_NIL;
    uint32_t i = key->head;
    while (i != PV_NIL && entries[i].tx > tx) {
        *prev = i;
        i = entries[i].next;
    }
    return i;
}

static uint32_t own_entry(pv_core *c, const pv_keyrec *key, uint32_t tx)
{
    uint32_t prev, i = seek(c, key, tx, &prev);
    return i != PV_NIL && pv_entry_array(c)[i].tx == tx ? i : PV_NIL;
}

PV_MUST_CHECK static int unlink_entry(pv_core *c, uint32_t i)
{
    pv_entry *entries = pv_entry_array(c);
    pv_keyrec *key = &pv_keyrec_array(c)[entries[i].key];
    if (pv_lock_acquire(&key->lock) != PV_OK)
        return PV_ELOST;
    uint32_t prev;
    seek(c, key, entries[i].tx, &prev);
    if (prev == PV_NIL)
        key->head = entries[i].next;
    else
        entries[prev].next = entries[i].next;
    pv_lock_release(&key->lock);
    return PV_OK;
}

PV_MUST_CHECK static int give_entries(pv_core *c, uint32_t chain)
{
    return pv_pool_give(&c->entry_pool, (char *)pv_entry_array(c), sizeof(pv_entry), chain);
}

PV_MUST_CHECK static int give_reads(pv_core *c, uint32_t chain)
{
    return pv_pool_give(&c->read_pool, (char *)pv_readrec_array(c), sizeof(pv_readrec), chain);
}

/* Adds every written key and marks the entries this publication keeps; returns how many
 * entries it must create, or PV_EFULL (or PV_ELOST). */
static int64_t mark_kept(pv_core *c, uint32_t tx, const pv_write *writes, uint32_t n_writes,
                         uint32_t kept)
{
    int64_t fresh = 0;
    for (uint32_t w = 0; w < n_writes; w++) {
        uint32_t index;
        int rc = pv_keytable_insert(c, &writes[w].key, pv_key_hash(&writes[w].key), &index);
        if (rc != PV_OK)
            return rc;
        pv_keyrec *key = &pv_keyrec_array(c)[index];
        if (pv_lock_acquire(&key->lock) != PV_OK)
            return PV_ELOST;
        uint32_t i = own_entry(c, key, tx);
        if (i == PV_NIL)
            fresh++;
        else
            pv_entry_array(c)[i].gen = kept;
        pv_lock_release(&key->lock);
    }
    return fresh;
}

/* Removes tx's entries that this publication does not keep and returns them to the pool. */
PV_MUST_CHECK static int drop_stale(pv_core *c, pv_txsets *sets, uint32_t kept)
{
    pv_entry *entries = pv_entry_array(c);
    uint32_t stale = PV_NIL;
    for (uint32_t i = sets->writes, next; i != PV_NIL; i = next) {
        next = entries[i].link;
        if (entries[i].gen != kept) {
            if (unlink_entry(c, i) != PV_OK)
                return PV_ELOST;
            entries[i].link = stale;
            stale = i;
        }
    }
    return give_entries(c, stale);
}

/* Stores the writes in order, taking new entries from *fresh, and rebuilds tx's write chain
 * in publication order; returns 1 if an entry was created, else 0 (or PV_ELOST). */
PV_MUST_CHECK static int apply_writes(pv_core *c, pv_txsets *sets, uint32_t tx, uint32_t incarnation,
                        const pv_write *writes, uint32_t n_writes, uint32_t written,
                        uint32_t *fresh)
{
    pv_entry *entries = pv_entry_array(c);
    uint32_t head = PV_NIL, tail = PV_NIL, count = 0;
    int created = 0;
    for (uint32_t w = 0; w < n_writes; w++) {
        uint32_t index; /* known: mark_kept added it, and keys are never removed */
        if (pv_keytable_find(c, &writes[w].key, pv_key_hash(&writes[w].key), &index) != 1)
            return PV_ELOST;
        pv_keyrec *key = &pv_keyrec_array(c)[index];
        if (pv_lock_acquire(&key->lock) != PV_OK)
            return PV_ELOST;
        uint32_t prev, i = seek(c, key, tx, &prev);
        int repeated = 0;
        if (i != PV_NIL && entries[i].tx == tx) {
            repeated = entries[i].gen == written;
        } else {
            uint32_t e = *fresh;
            *fresh = entries[e].link;
            entries[e].next = i;
            entries[e].key = index;
            entries[e].tx = tx;
            if (prev == PV_NIL)
                key->head = e;
            else
                entries[prev].next = e;
            i = e;
            created = 1;
        }
        entries[i].incarnation = incarnation;
        entries[i].gen = written;
        entries[i].flag = writes[w].flag;
        entries[i].estimate = 0;
        memcpy(entries[i].value, writes[w].value, sizeof entries[i].value);
        pv_lock_release(&key->lock);
        if (repeated)
            continue;
        entries[i].link = PV_NIL;
        if (tail == PV_NIL)
            head = i;
        else
            entries[tail].link = i;
        tail = i;
        count++;
    }
    sets->writes = head;
    sets->n_writes = count;
    return created;
}

PV_MUST_CHECK static int store_reads(pv_core *c, pv_txsets *sets, const pv_read *reads,
                                     uint32_t n_reads, uint32_t chain)
{
    pv_readrec *recs = pv_readrec_array(c);
    if (give_reads(c, sets->reads) != PV_OK)
        return PV_ELOST;
    sets->reads = chain;
    sets->n_reads = n_reads;
    for (uint32_t r = 0; r < n_reads; r++, chain = recs[chain].link) {
        recs[chain].hash = pv_key_hash(&reads[r].key);
        recs[chain].read = reads[r];
    }
    return PV_OK;
}

/* Under tx's set lock. Everything that can fail (new keys, records) happens before any entry
 * or read changes, so PV_EFULL leaves the published sets intact. */
static int publish(pv_core *c, pv_txsets *sets, uint32_t tx, uint32_t incarnation,
                   const pv_read *reads, uint32_t n_reads, const pv_write *writes,
                   uint32_t n_writes, int *wrote_new_key)
{
    uint32_t kept = sets->gen + 1, written = sets->gen + 2;
    sets->gen = written;
    int64_t fresh = mark_kept(c, tx, writes, n_writes, kept);
    if (fresh < 0)
        return (int)fresh;
    uint32_t new_entries, new_reads;
    int rc = pv_pool_take(&c->entry_pool, (char *)pv_entry_array(c), sizeof(pv_entry),
                          (uint32_t)fresh, &new_entries);
    if (rc != PV_OK)
        return rc;
    rc = pv_pool_take(&c->read_pool, (char *)pv_readrec_array(c), sizeof(pv_readrec), n_reads,
                      &new_reads);
    if (rc != PV_OK) {
        int given = give_entries(c, new_entries);
        return given == PV_OK ? rc : given;
    }
    if (drop_stale(c, sets, kept) != PV_OK)
        return PV_ELOST;
    int created = apply_writes(c, sets, tx, incarnation, writes, n_writes, written, &new_entries);
    if (created < 0)
        return created;
    *wrote_new_key = created;
    if (give_entries(c, new_entries) != PV_OK) /* left over when a new key was written twice */
        return PV_ELOST;
    return store_reads(c, sets, reads, n_reads, new_reads);
}

static int reads_valid(const pv_read *reads, uint32_t n)
{
    for (uint32_t r = 0; r < n; r++)
        if (!key_valid(&reads[r].key) || reads[r].result > PV_READ_DELTA || reads[r].exact > 1)
            return 0;
    return 1;
}

static int writes_valid(const pv_write *writes, uint32_t n)
{
    for (uint32_t w = 0; w < n; w++)
        if (!key_valid(&writes[w].key) || writes[w].flag > PV_DELTA)
            return 0;
    return 1;
}

int pv_incarnation_finish(pv_core *c, uint32_t tx, uint32_t incarnation, const pv_read *reads,
                          uint32_t n_reads, const pv_write *writes, uint32_t n_writes,
                          int *wrote_new_key)
{
    if (!pv_tx_ok(c, tx) || wrote_new_key == NULL || (reads == NULL && n_reads > 0) ||
        (writes == NULL && n_writes > 0) || !reads_valid(reads, n_reads) ||
        !writes_valid(writes, n_writes))
        return PV_EINVAL;
    *wrote_new_key = 0;
    pv_txsets *sets = &pv_txsets_array(c)[tx];
    if (pv_lock_acquire(&sets->lock) != PV_OK)
        return PV_ELOST;
    int rc = publish(c, sets, tx, incarnation, reads, n_reads, writes, n_writes, wrote_new_key);
    pv_lock_release(&sets->lock);
    return rc;
}

int pv_mv_mark_estimates(pv_core *c, uint32_t tx)
{
    if (!pv_tx_ok(c, tx))
        return PV_EINVAL;
    pv_txsets *sets = &pv_txsets_array(c)[tx];
    pv_entry *entries = pv_entry_array(c);
    if (pv_lock_acquire(&sets->lock) != PV_OK)
        return PV_ELOST;
    int rc = PV_OK;
    for (uint32_t i = sets->writes; rc == PV_OK && i != PV_NIL; i = entries[i].link) {
        pv_keyrec *key = &pv_keyrec_array(c)[entries[i].key];
        rc = pv_lock_acquire(&key->lock);
        if (rc == PV_OK) {
            entries[i].estimate = 1;
            pv_lock_release(&key->lock);
        }
    }
    pv_lock_release(&sets->lock);
    return rc;
}

static int same_version(const pv_read *seen, const pv_found *now)
{
    return now->result == seen->result && (seen->result == PV_READ_NONE ||
                                           (now->version.tx == seen->version.tx &&
                                            now->version.incarnation == seen->version.incarnation));
}

/* A read holds while it would see the same value: what an incarnation computed depends on
 * nothing else. A write below the reader that leaves the value as it was (a slot set back, a
 * balance credited and debited again) then costs no re-execution. A PV_READ_NONE record holds
 * the pre-state value its reader used: an ABSOLUTE value now must equal it, DELTA entries now
 * must sum to 0. A DELTA read (added to a pre-state value the core does not know) compares with
 * a DELTA result alone. An ESTIMATE is never valid. An exact read also needs the same version:
 * its reader compared the versions of two reads (a slot's and its account's storage wipe, to
 * tell which came later). */
static int still_valid(const pv_read *seen, const pv_found *now)
{
    static const uint8_t zero[32];
    if (now->result == PV_READ_ESTIMATE || (seen->exact && !same_version(seen, now)))
        return 0;
    if (seen->result != PV_READ_NONE)
        return now->result == seen->result && memcmp(now->value, seen->value, sizeof now->value) == 0;
    switch (now->result) {
    case PV_READ_VALUE:
        return memcmp(now->value, seen->value, sizeof now->value) == 0;
    case PV_READ_DELTA:
        return memcmp(now->value, zero, sizeof zero) == 0;
    default:
        return 1; /* NONE: still the pre-state */
    }
}

int pv_validate(pv_core *c, uint32_t tx)
{
    if (!pv_tx_ok(c, tx))
        return PV_EINVAL;
    pv_txsets *sets = &pv_txsets_array(c)[tx];
    const pv_readrec *recs = pv_readrec_array(c);
    int valid = 1;
    if (pv_lock_acquire(&sets->lock) != PV_OK)
        return PV_ELOST;
    for (uint32_t r = sets->reads; valid == 1 && r != PV_NIL; r = recs[r].link) {
        pv_found now;
        pv_keyrec *rec;
        if (read_key(c, tx, &recs[r].read.key, recs[r].hash, &now, &rec) != PV_OK) {
            valid = PV_ELOST;
            break;
        }
        valid = still_valid(&recs[r].read, &now);
        if (!valid && rec != NULL)
            atomic_store_explicit(&rec->hot, 1, memory_order_relaxed);
    }
    pv_lock_release(&sets->lock);
    return valid;
}

int pv_tx_writes(pv_core *c, uint32_t tx, pv_write *out, uint32_t cap, uint32_t *n)
{
    if (!pv_tx_ok(c, tx) || n == NULL || (out == NULL && cap > 0))
        return PV_EINVAL;
    pv_txsets *sets = &pv_txsets_array(c)[tx];
    const pv_entry *entries = pv_entry_array(c);
    if (pv_lock_acquire(&sets->lock) != PV_OK)
        return PV_ELOST;
    *n = sets->n_writes;
    int rc = cap < sets->n_writes ? PV_ETOOSMALL : PV_OK;
    if (rc == PV_OK) {
        uint32_t w = 0;
        for (uint32_t i = sets->writes; i != PV_NIL; i = entries[i].link, w++) {
            out[w].key = pv_keyrec_array(c)[entries[i].key].key;
            out[w].flag = entries[i].flag;
            memcpy(out[w].value, entries[i].value, sizeof out[w].value);
        }
    }
    pv_lock_release(&sets->lock);
    return rc;
}

int pv_tx_reads(pv_core *c, uint32_t tx, pv_read *out, uint32_t cap, uint32_t *n)
{
    if (!pv_tx_ok(c, tx) || n == NULL || (out == NULL && cap > 0))
        return PV_EINVAL;
    pv_txsets *sets = &pv_txsets_array(c)[tx];
    const pv_readrec *recs = pv_readrec_array(c);
    if (pv_lock_acquire(&sets->lock) != PV_OK)
        return PV_ELOST;
    *n = sets->n_reads;
    int rc = cap < sets->n_reads ? PV_ETOOSMALL : PV_OK;
    if (rc == PV_OK) {
        uint32_t k = 0;
        for (uint32_t r = sets->reads; r != PV_NIL; r = recs[r].link)
            out[k++] = recs[r].read;
    }
    pv_lock_release(&sets->lock);
    return rc;
}
