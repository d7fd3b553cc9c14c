/* The C surface Python sees through cffi (a subset of the headers, no preprocessor). */
typedef struct pv_key {
    uint8_t address[20];
    uint8_t kind;
    uint8_t slot[32];
} pv_key;

int pv_key_make(pv_key *out, const uint8_t *address, int kind, const uint8_t *slot);
uint64_t pv_key_hash(const pv_key *key);
int pv_key_equal(const pv_key *a, const pv_key *b);
