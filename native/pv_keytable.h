/* The keys the multi-version memory knows: an insert-only open-addressing table (linear
 * probing) of indices into the key records. Lookups take no lock. */
#ifndef PV_KEYTABLE_H
#define PV_KEYTABLE_H

#include "pv_layout.h"

/* 1 and *index when the key is known, else 0 (or PV_ELOST). */
int pv_keytable_find(pv_core *c, const pv_key *key, uint64_t hash, uint32_t *index);

/* PV_OK and *index of the key, adding it if new; PV_EFULL when limits.keys are all used (or
 * PV_ELOST). */
int pv_keytable_insert(pv_core *c, const pv_key *key, uint64_t hash, uint32_t *index);

#endif
