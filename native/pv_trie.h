/* The root hash of an Ethereum Merkle-Patricia trie (yellow paper appendix D) built in one
 * pass over sorted key/value pairs, without storing the trie: each node is encoded (RLP,
 * hex-prefix paths) straight into a Keccak-256 sponge once its length is known, and only
 * nodes shorter than 32 bytes, which their parent embeds, are kept as bytes. */
#ifndef PV_TRIE_H
#define PV_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "pv_key.h"

/* Longest key accepted, in bytes (64 nibbles: a 32-byte hash or shorter). */
#define PV_TRIE_MAX_KEY 32

/* Root of the trie holding count pairs. Item i is keys[key_offsets[i] .. key_offsets[i+1])
 * and values[value_offsets[i] .. value_offsets[i+1]); both offset arrays have count + 1
 * entries, start at 0 and never decrease. Keys must be strictly ascending bytewise (a prefix
 * before its extensions), at most PV_TRIE_MAX_KEY bytes; values must be non-empty.
 * PV_OK with the 32-byte root in root_out, else PV_EINVAL and root_out untouched. No
 * allocation: the stack use is bounded by the key length (under 100 KB at worst). */
int pv_trie_root(const uint8_t *keys, const uint32_t *key_offsets, const uint8_t *values,
                 const uint32_t *value_offsets, uint32_t count, uint8_t root_out[32]);

/* The reference a branch at depth - 1 holds for the subtrie of count pairs (count >= 1,
 * the same layout and order as pv_trie_root's) that all share their first depth nibbles:
 * the node's own encoding when it is shorter than 32 bytes, else 0xa0 and its hash (33
 * bytes). A trie of non-empty keys that start with two different nibbles or more has a
 * branch at its root: its root is the hash of that branch, which holds its parts' references
 * (each part the keys starting with one nibble, at depth 1), so a part can be recomputed
 * alone.
 * PV_OK with the reference in ref_out and its length in ref_len, else PV_EINVAL. */
int pv_trie_node(const uint8_t *keys, const uint32_t *key_offsets, const uint8_t *values,
                 const uint32_t *value_offsets, uint32_t count, uint32_t depth,
                 uint8_t ref_out[33], uint8_t *ref_len);

#endif
