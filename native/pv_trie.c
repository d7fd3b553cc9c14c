/* Merkle-Patricia trie root (see pv_trie.h).
 *
 * Sorted keys make every subtree a contiguous range of items: build_node(lo, hi, depth)
 * encodes the subtree of the items [lo, hi), which share their first depth nibbles, and
 * returns the reference its parent stores: the raw encoding when it is shorter than
 * 32 bytes, else the RLP string of its Keccak-256 hash. A node's encoded length is computed
 * from its parts before any byte is emitted, so long values are hashed in place, never
 * copied. */
#include "pv_trie.h"

#include <string.h>

#include "pv_keccak.h"

/* A child reference as its parent's RLP list holds it: 0x80 (empty), an embedded node
 * (< 32 bytes), or 0xa0 followed by the 32-byte hash. */
typedef struct trie_ref {
    uint8_t len;
    uint8_t bytes[33];
} trie_ref;

typedef struct trie_items {
    const uint8_t *keys;
    const uint32_t *key_offsets;
    const uint8_t *values;
    const uint32_t *value_offsets;
} trie_items;

/* Where a node's encoding goes: the sponge when it is 32 bytes or longer, else a buffer. */
typedef struct trie_sink {
    pv_keccak keccak;
    uint8_t buf[32];
    size_t n;
    int hashing;
} trie_sink;

static unsigned key_nibbles(const trie_items *t, uint32_t i)
{
    return 2u * (t->key_offsets[i + 1] - t->key_offsets[i]);
}

static unsigned nibble_at(const trie_items *t, uint32_t i, unsigned n)
{
    uint8_t byte = t->keys[t->key_offsets[i] + n / 2];
    return n % 2 ? byte & 0x0fu : byte >> 4;
}

static const uint8_t *value_of(const trie_items *t, uint32_t i, size_t *len)
{
    *len = t->value_offsets[i + 1] - t->value_offsets[i];
    return t->values + t->value_offsets[i];
}

/* RLP header of a string (base 0x80) or list (base 0xc0) with len payload bytes. */
static size_t rlp_header(uint8_t out[9], uint8_t base, uint64_t len)
{
    if (len <= 55) {
        out[0] = (uint8_t)(base + len);
        return 1;
    }
    size_t n = 0;
    for (uint64_t rest = len; rest != 0; rest >>= 8)
        n++;
    out[0] = (uint8_t)(base + 55 + n);
    for (size_t i = 0; i < n; i++)
        out[n - i] = (uint8_t)(len >> (8 * i));
    return 1 + n;
}

static uint64_t rlp_header_len(uint64_t len)
{
    uint8_t scratch[9];
    return rlp_header(scratch, 0, len);
}

/* Length of bytes as an RLP string: one byte below 0x80 is its own encoding. */
static uint64_t rlp_string_len(const uint8_t *bytes, uint64_t len)
{
    if (len == 1 && bytes[0] < 0x80)
        return 1;
    return rlp_header_len(len) + len;
}

static void sink_begin(trie_sink *s, uint64_t total)
{
    s->n = 0;
    s->hashing = total >= 32;
    if (s->hashing)
        pv_keccak_init(&s->keccak);
}

static void sink_put(trie_sink *s, const uint8_t *bytes, size_t len)
{
    if (s->hashing)
        pv_keccak_update(&s->keccak, bytes, len);
    else if (len <= sizeof s->buf - s->n) /* always: the total was found < 32 */
        memcpy(s->buf + s->n, bytes, len);
    s->n += len;
}

static void sink_put_string(trie_sink *s, const uint8_t *bytes, size_t len)
{
    if (!(len == 1 && bytes[0] < 0x80)) {
        uint8_t header[9];
        sink_put(s, header, rlp_header(header, 0x80, len));
    }
    sink_put(s, bytes, len);
}

static void sink_put_list_header(trie_sink *s, uint64_t payload)
{
    uint8_t header[9];
    sink_put(s, header, rlp_header(header, 0xc0, payload));
}

static void sink_end(trie_sink *s, trie_ref *out)
{
    if (s->hashing) {
        out->bytes[0] = 0xa0;
        pv_keccak_final(&s->keccak, out->bytes + 1);
        out->len = 33;
    } else {
        memcpy(out->bytes, s->buf, s->n);
        out->len = (uint8_t)s->n;
    }
}

/* Hex-prefix encoding (appendix C) of nibbles [from, to) of key i; returns its length. */
static size_t hex_prefix(const trie_items *t, uint32_t i, unsigned from, unsigned to, int leaf,
                         uint8_t out[PV_TRIE_MAX_KEY + 1])
{
    unsigned count = to - from;
    unsigned n = from;
    size_t len = 1;
    uint8_t flag = (uint8_t)(leaf ? 0x20 : 0x00);
    if (count % 2) {
        out[0] = (uint8_t)(flag | 0x10 | nibble_at(t, i, n));
        n++;
    } else {
        out[0] = flag;
    }
    for (; n < to; n += 2)
        out[len++] = (uint8_t)(nibble_at(t, i, n) << 4 | nibble_at(t, i, n + 1));
    return len;
}

static void build_node(const trie_items *t, uint32_t lo, uint32_t hi, unsigned depth,
                       trie_ref *out);

/* leaf: rlp([hp(rest of key, leaf), value]) */
static void build_leaf(const trie_items *t, uint32_t i, unsigned depth, trie_ref *out)
{
    uint8_t path[PV_TRIE_MAX_KEY + 1];
    size_t path_len = hex_prefix(t, i, depth, key_nibbles(t, i), 1, path);
    size_t value_len;
    const uint8_t *value = value_of(t, i, &value_len);
    uint64_t payload = rlp_string_len(path, path_len) + rlp_string_len(value, value_len);
    trie_sink sink;
    sink_begin(&sink, rlp_header_len(payload) + payload);
    sink_put_list_header(&sink, payload);
    sink_put_string(&sink, path, path_len);
    sink_put_string(&sink, value, value_len);
    sink_end(&sink, out);
}

/* branch: rlp([child 0, ..., child 15, value or empty]); items [lo, hi) share depth nibbles
 * and at most the first ends there (the only one that can: keys are distinct and sorted). */
static void build_branch(const trie_items *t, uint32_t lo, uint32_t hi, unsigned depth,
                         trie_ref *out)
{
    trie_ref children[16];
    const uint8_t *value = NULL;
    size_t value_len = 0;
    uint32_t i = lo;
    if (key_nibbles(t, lo) == depth)
        value = value_of(t, i++, &value_len);
    for (int c = 0; c < 16; c++) {
        children[c].len = 1;
        children[c].bytes[0] = 0x80;
    }
    while (i < hi) {
        unsigned c = nibble_at(t, i, depth);
        uint32_t j = i + 1;
        while (j < hi && nibble_at(t, j, depth) == c)
            j++;
        build_node(t, i, j, depth + 1, &children[c]);
        i = j;
    }
    uint64_t payload = value ? rlp_string_len(value, value_len) : 1;
    for (int c = 0; c < 16; c++)
        payload += children[c].len;
    trie_sink sink;
    sink_begin(&sink, rlp_header_len(payload) + payload);
    sink_put_list_header(&sink, payload);
    for (int c = 0; c < 16; c++)
        sink_put(&sink, children[c].bytes, children[c].len);
    if (value)
        sink_put_string(&sink, value, value_len);
    else
        sink_put(&sink, (const uint8_t[]){0x80}, 1);
    sink_end(&sink, out);
}

static void build_node(const trie_items *t, uint32_t lo, uint32_t hi, unsigned depth,
                       trie_ref *out)
{
    if (hi - lo == 1) {
        build_leaf(t, lo, depth, out);
        return;
    }
    /* sorted: the nibbles all items share are those the first and the last share */
    unsigned first_len = key_nibbles(t, lo), last_len = key_nibbles(t, hi - 1);
    unsigned limit = first_len < last_len ? first_len : last_len;
    unsigned shared = depth;
    while (shared < limit && nibble_at(t, lo, shared) == nibble_at(t, hi - 1, shared))
        shared++;
    if (shared == depth) {
        build_branch(t, lo, hi, depth, out);
        return;
    }
    /* extension: rlp([hp(shared nibbles), reference to the branch below]) */
    trie_ref child;
    build_branch(t, lo, hi, shared, &child);
    uint8_t path[PV_TRIE_MAX_KEY + 1];
    size_t path_len = hex_prefix(t, lo, depth, shared, 0, path);
    uint64_t payload = rlp_string_len(path, path_len) + child.len;
    trie_sink sink;
    sink_begin(&sink, rlp_header_len(payload) + payload);
    sink_put_list_header(&sink, payload);
    sink_put_string(&sink, path, path_len);
    sink_put(&sink, child.bytes, child.len);
    sink_end(&sink, out);
}

/* -1, 0 or 1 as key a sorts before, with or after key b (bytewise, a prefix first). */
static int key_compare(const trie_items *t, uint32_t a, uint32_t b)
{
    uint32_t a_len = t->key_offsets[a + 1] - t->key_offsets[a];
    uint32_t b_len = t->key_offsets[b + 1] - t->key_offsets[b];
    uint32_t common = a_len < b_len ? a_len : b_len;
    if (common > 0) {
        int order = memcmp(t->keys + t->key_offsets[a], t->keys + t->key_offsets[b], common);
        if (order != 0)
            return order < 0 ? -1 : 1;
    }
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

static int validate(const trie_items *t, uint32_t count)
{
    if (!t->key_offsets || !t->value_offsets)
        return PV_EINVAL;
    if (t->key_offsets[0] != 0 || t->value_offsets[0] != 0)
        return PV_EINVAL;
    for (uint32_t i = 0; i < count; i++) {
        if (t->key_offsets[i + 1] < t->key_offsets[i] ||
            t->key_offsets[i + 1] - t->key_offsets[i] > PV_TRIE_MAX_KEY)
            return PV_EINVAL;
        if (t->value_offsets[i + 1] <= t->value_offsets[i]) /* empty value or going back */
            return PV_EINVAL;
    }
    if (count > 0 && (!t->values || (!t->keys && t->key_offsets[count] != 0)))
        return PV_EINVAL;
    for (uint32_t i = 1; i < count; i++)
        if (key_compare(t, i - 1, i) >= 0)
            return PV_EINVAL;
    return PV_OK;
}

/* Whether every item has at least depth nibbles and all share the first depth of them (the
 * items are sorted: the first and the last sharing them, every item between does). */
static int share_prefix(const trie_items *t, uint32_t count, unsigned depth)
{
    for (uint32_t i = 0; i < count; i++)
        if (key_nibbles(t, i) < depth)
            return 0;
    for (unsigned n = 0; n < depth; n++)
        if (nibble_at(t, 0, n) != nibble_at(t, count - 1, n))
            return 0;
    return 1;
}

int pv_trie_node(const uint8_t *keys, const uint32_t *key_offsets, const uint8_t *values,
                 const uint32_t *value_offsets, uint32_t count, uint32_t depth,
                 uint8_t ref_out[33], uint8_t *ref_len)
{
    trie_items t = {keys, key_offsets, values, value_offsets};
    if (!ref_out || !ref_len || count == 0 || depth > 2 * PV_TRIE_MAX_KEY ||
        validate(&t, count) != PV_OK || !share_prefix(&t, count, depth))
        return PV_EINVAL;
    trie_ref node;
    build_node(&t, 0, count, depth, &node);
    memcpy(ref_out, node.bytes, node.len);
    *ref_len = node.len;
    return PV_OK;
}

int pv_trie_root(const uint8_t *keys, const uint32_t *key_offsets, const uint8_t *values,
                 const uint32_t *value_offsets, uint32_t count, uint8_t root_out[32])
{
    trie_items t = {keys, key_offsets, values, value_offsets};
    if (!root_out || validate(&t, count) != PV_OK)
        return PV_EINVAL;
    if (count == 0) {
        static const uint8_t empty[1] = {0x80}; /* the blank node: rlp(b"") */
        pv_keccak256(empty, 1, root_out);
        return PV_OK;
    }
    trie_ref root;
    build_node(&t, 0, count, 0, &root);
    /* the root is hashed even when short enough to be embedded */
    if (root.len == 33)
        memcpy(root_out, root.bytes + 1, 32);
    else
        pv_keccak256(root.bytes, root.len, root_out);
    return PV_OK;
}
