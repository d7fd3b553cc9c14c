/* State keys of the native core: (address, kind, slot), hashed to 64 bits for the tables. */
#ifndef PV_KEY_H
#define PV_KEY_H

#include <stddef.h>
#include <stdint.h>

/* What part of an account a key names; mirrors parevm.native.Kind. */
enum pv_kind {
    PV_BALANCE = 0,
    PV_NONCE = 1,
    PV_CODE_HASH = 2,
    PV_STORAGE = 3,
    PV_STORAGE_WIPE = 4,
    PV_EXISTENCE = 5,
    PV_KIND_COUNT = 6
};

/* The full key, kept beside its hash so that collisions are resolved exactly. */
typedef struct pv_key {
    uint8_t address[20];
    uint8_t kind;
    uint8_t slot[32]; /* big-endian; all zero for kinds other than PV_STORAGE */
} pv_key;

/* Error codes returned by the core; never a crash. */
enum pv_status {
    PV_OK = 0,
    PV_EINVAL = -1,
};

/* Fill *out from raw parts; PV_EINVAL for a NULL pointer, an unknown kind, or a slot on a
 * kind that has none. */
int pv_key_make(pv_key *out, const uint8_t *address, int kind, const uint8_t *slot);

/* 64-bit hash of a key: its 53 bytes, zero-padded to 56, folded in as seven words in the host's
 * byte order (byte by byte, FNV-1a took more instructions), then the MurmurHash3 finalizer so
 * that the low bits used as table indices are well mixed. */
uint64_t pv_key_hash(const pv_key *key);

/* 1 when both keys are the same, else 0. */
int pv_key_equal(const pv_key *a, const pv_key *b);

#endif
