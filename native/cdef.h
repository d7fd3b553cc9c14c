/* The C surface Python sees through cffi (a subset of the headers, no preprocessor). */
typedef struct pv_key {
    uint8_t address[20];
    uint8_t kind;
    uint8_t slot[32];
} pv_key;

int pv_key_make(pv_key *out, const uint8_t *address, int kind, const uint8_t *slot);
uint64_t pv_key_hash(const pv_key *key);
int pv_key_equal(const pv_key *a, const pv_key *b);

/* pv_core.h */
enum pv_status { PV_OK = 0, PV_EINVAL = -1 };
enum { PV_EFULL = -2, PV_ESTATE = -3, PV_ENOTFOUND = -4, PV_ETOOSMALL = -5, PV_ELOST = -6 };
enum { PV_ABSOLUTE = 0, PV_DELTA = 1 };
enum { PV_READ_NONE = 0, PV_READ_VALUE = 1, PV_READ_ESTIMATE = 2, PV_READ_DELTA = 3 };
enum { PV_TASK_NONE = 0, PV_TASK_EXECUTE = 1, PV_TASK_VALIDATE = 2, PV_TASK_DONE = 3 };

typedef struct pv_version { uint32_t tx; uint32_t incarnation; } pv_version;
typedef struct pv_limits {
    uint32_t txs; uint32_t keys; uint32_t entries; uint32_t reads; uint32_t code_bytes;
} pv_limits;
typedef struct pv_write { pv_key key; uint8_t flag; uint8_t value[32]; } pv_write;
typedef struct pv_read {
    pv_key key; uint8_t result; uint8_t exact; pv_version version; uint8_t value[32];
} pv_read;
typedef struct pv_task { int kind; uint32_t tx; uint32_t incarnation; } pv_task;
typedef struct pv_stats {
    uint64_t executions; uint64_t validations; uint64_t failed_validations;
    uint64_t dependencies; uint64_t estimate_reads;
} pv_stats;
typedef struct pv_core pv_core;

size_t pv_core_size(const pv_limits *limits);
int pv_core_init(void *region, size_t size, const pv_limits *limits);
pv_core *pv_core_at(void *region);

int pv_mv_read(pv_core *c, uint32_t tx, const pv_key *key, uint8_t value_out[32],
               pv_version *version_out);
#define PV_NO_TX ...
int pv_mv_read_or_wait(pv_core *c, uint32_t tx, const pv_key *key, pv_read *out,
                       uint32_t *wait_out);
int pv_incarnation_finish(pv_core *c, uint32_t tx, uint32_t incarnation,
                          const pv_read *reads, uint32_t n_reads,
                          const pv_write *writes, uint32_t n_writes, int *wrote_new_key);
int pv_mv_mark_estimates(pv_core *c, uint32_t tx);
int pv_validate(pv_core *c, uint32_t tx);
int pv_tx_writes(pv_core *c, uint32_t tx, pv_write *out, uint32_t cap, uint32_t *n);
int pv_tx_reads(pv_core *c, uint32_t tx, pv_read *out, uint32_t cap, uint32_t *n);
int pv_code_put(pv_core *c, const uint8_t hash[32], const uint8_t *code, uint32_t len);
int pv_code_get(pv_core *c, const uint8_t hash[32], uint8_t *out, uint32_t cap, uint32_t *len);

int pv_sched_next_task(pv_core *c, pv_task *out);
#define PV_FIRST_MAX ...
int pv_sched_execute_first(pv_core *c, const uint32_t *txs, uint32_t n);
int pv_sched_add_dependency(pv_core *c, uint32_t tx, uint32_t blocking_tx);
int pv_sched_finish_execution(pv_core *c, uint32_t tx, uint32_t incarnation, int wrote_new_key,
                              pv_task *next);
int pv_sched_try_validation_abort(pv_core *c, uint32_t tx, uint32_t incarnation);
int pv_sched_finish_validation(pv_core *c, uint32_t tx, int aborted, pv_task *next);
int pv_sched_done(pv_core *c);
int pv_sched_try_commit(pv_core *c, uint32_t tx, uint32_t *incarnation);
int pv_sched_executing(pv_core *c, uint32_t tx);
int pv_stats_get(pv_core *c, pv_stats *out);

/* pv_keccak.h, pv_trie.h */
void pv_keccak256(const uint8_t *data, size_t len, uint8_t out[32]);
void pv_bloom_add(uint8_t bloom[256], const uint8_t *items, size_t count, size_t item_len);
void pv_opcode_starts(const uint8_t *code, size_t len, uint8_t *starts);
int pv_trie_root(const uint8_t *keys, const uint32_t *key_offsets, const uint8_t *values,
                 const uint32_t *value_offsets, uint32_t count, uint8_t root_out[32]);
int pv_trie_node(const uint8_t *keys, const uint32_t *key_offsets, const uint8_t *values,
                 const uint32_t *value_offsets, uint32_t count, uint32_t depth,
                 uint8_t ref_out[33], uint8_t *ref_len);
