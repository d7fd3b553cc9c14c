/* Unit tests of pv_keccak, pv_bloom_add and pv_trie: digests at the block boundaries, blooms,
 * known trie roots and node references, and the inputs pv_trie_root and pv_trie_node must
 * refuse.
 *
 * The expected digests, bloom bits and roots were computed with Python (eth-utils 6.0.0,
 * eth-bloom 4.0.0, trie 4.0.0):
 *   eth_utils.keccak(data).hex()
 *   v = int(eth_bloom.BloomFilter.from_iterable(items)); [i for i in range(2048) if v >> i & 1]
 *   t = trie.HexaryTrie({}); t[key] = value for each pair; t.root_hash.hex()
 */
#include <stdlib.h>
#include <string.h>

#include "../pv_keccak.h"
#include "../pv_trie.h"
#include "check.h"

static void from_hex(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i] && hex[2 * i + 1]; i++) {
        char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
        out[i] = (uint8_t)strtoul(pair, NULL, 16);
    }
}

static int digest_is(const uint8_t digest[32], const char *hex)
{
    uint8_t expected[32];
    from_hex(hex, expected);
    return memcmp(digest, expected, 32) == 0;
}

/* data[i] = i % 251, as in eth_utils.keccak(bytes(i % 251 for i in range(n))) */
static void pattern(uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i % 251);
}

static void test_keccak_vectors(void)
{
    uint8_t digest[32];
    pv_keccak256(NULL, 0, digest); /* eth_utils.keccak(b"") */
    CHECK(digest_is(digest, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));
    pv_keccak256((const uint8_t *)"abc", 3, digest); /* eth_utils.keccak(b"abc") */
    CHECK(digest_is(digest, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"));

    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        /* one byte short of a block (both pad bits in one byte), one block, one byte over,
         * two blocks */
        {135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"},
        {136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"},
        {137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"},
        {272, "8e2476e65823b24d96ebe239f2c1534cdf763e689e2410c3b1cb0c74e6177bfc"},
    };
    uint8_t data[272];
    pattern(data, sizeof data);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pv_keccak256(data, cases[c].len, digest);
        CHECK(digest_is(digest, cases[c].hex));
    }
}

static void test_keccak_streaming_matches_one_shot(void)
{
    /* every split of 272 bytes into pieces of 1..137 gives the one-shot digest */
    uint8_t data[272], whole[32], streamed[32];
    pattern(data, sizeof data);
    pv_keccak256(data, sizeof data, whole);
    for (size_t piece = 1; piece <= 137; piece++) {
        pv_keccak k;
        pv_keccak_init(&k);
        for (size_t at = 0; at < sizeof data; at += piece) {
            size_t n = sizeof data - at < piece ? sizeof data - at : piece;
            pv_keccak_update(&k, data + at, n);
        }
        pv_keccak_final(&k, streamed);
        CHECK(memcmp(whole, streamed, 32) == 0);
    }
}

/* Packs NUL-terminated strings as pv_trie_root wants them. */
typedef struct packed {
    uint8_t keys[512];
    uint8_t values[4096];
    uint32_t key_offsets[17];
    uint32_t value_offsets[17];
} packed;

static void pack(packed *p, const char *const *keys, const char *const *values, uint32_t count)
{
    p->key_offsets[0] = p->value_offsets[0] = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t kl = strlen(keys[i]), vl = strlen(values[i]);
        memcpy(p->keys + p->key_offsets[i], keys[i], kl);
        memcpy(p->values + p->value_offsets[i], values[i], vl);
        p->key_offsets[i + 1] = p->key_offsets[i] + (uint32_t)kl;
        p->value_offsets[i + 1] = p->value_offsets[i] + (uint32_t)vl;
    }
}

static int root_of(const char *const *keys, const char *const *values, uint32_t count,
                   uint8_t root[32])
{
    static packed p;
    pack(&p, keys, values, count);
    return pv_trie_root(p.keys, p.key_offsets, p.values, p.value_offsets, count, root);
}

/* The bloom holds exactly the bits eth-bloom sets, bit i of the 2048-bit big-endian number. */
static int bloom_is(const uint8_t bloom[256], const unsigned *bits, size_t count)
{
    uint8_t expected[256] = {0};
    for (size_t i = 0; i < count; i++)
        expected[255 - bits[i] / 8] |= (uint8_t)(1u << (bits[i] % 8));
    return memcmp(bloom, expected, 256) == 0;
}

static void test_bloom(void)
{
    uint8_t bloom[256] = {0}, address[20], topics[64];
    memset(address, 1, sizeof address);
    memset(topics, 2, 32);
    memset(topics + 32, 3, 32);
    pv_bloom_add(bloom, NULL, 0, 32);
    CHECK(bloom_is(bloom, NULL, 0));
    pv_bloom_add(bloom, address, 1, 20); /* [b"\x01" * 20] */
    static const unsigned one[] = {323, 357, 589};
    CHECK(bloom_is(bloom, one, 3));
    pv_bloom_add(bloom, topics, 2, 32); /* [b"\x01" * 20, b"\x02" * 32, b"\x03" * 32] */
    static const unsigned three[] = {323, 357, 589, 634, 788, 1507, 1519, 1610, 1951};
    CHECK(bloom_is(bloom, three, 9));
    pv_bloom_add(bloom, topics, 2, 32); /* adding again changes nothing */
    CHECK(bloom_is(bloom, three, 9));
}

static void test_empty_trie(void)
{
    uint8_t root[32];
    uint32_t zero = 0;
    CHECK(pv_trie_root(NULL, &zero, NULL, &zero, 0, root) == PV_OK);
    /* keccak(rlp(b"")) = keccak(0x80) */
    CHECK(digest_is(root, "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"));
}

static void test_classic_vector(void)
{
    /* prefixes of each other ("do" < "dog" < "doge"): values in branches' 17th slot */
    const char *keys[] = {"do", "dog", "doge", "horse"};
    const char *values[] = {"verb", "puppy", "coin", "stallion"};
    uint8_t root[32];
    CHECK(root_of(keys, values, 4, root) == PV_OK);
    CHECK(digest_is(root, "5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84"));
}

static void test_single_short_pair(void)
{
    /* the root node rlp([0x2061, 0x62]) = c4 82 20 61 62 is under 32 bytes, yet the root
     * is still its hash */
    const char *keys[] = {"a"};
    const char *values[] = {"b"};
    uint8_t root[32];
    CHECK(root_of(keys, values, 1, root) == PV_OK);
    CHECK(digest_is(root, "09ca68268104f67d9da9c8514ebdd8c98c6667aba87016f8602a1fbefb575216"));
}

static void test_empty_key(void)
{
    /* {b"": b"x"} and {b"": b"x", b"a": b"y"} */
    const char *keys[] = {"", "a"};
    const char *values[] = {"x", "y"};
    uint8_t root[32];
    CHECK(root_of(keys, values, 1, root) == PV_OK);
    CHECK(digest_is(root, "f5cfb05ef07e03e43d77cbb7d0e5ce3d4d1f2cf359c14db3aff42deff5f67862"));
    CHECK(root_of(keys, values, 2, root) == PV_OK);
    CHECK(digest_is(root, "982281a4a8d2d4ad3c7a8a4b58831d4583333cb2bb49db8b69fe61240bf66c92"));
}

static void test_long_value(void)
{
    /* {b"\1\2": bytes(i % 256 for i in range(1000)), b"\1\3": b"\5", bytes(32): b"z" * 40} */
    /* sorted: bytes(32) first */
    static uint8_t values[40 + 1000 + 1];
    memset(values, 'z', 40);
    for (int i = 0; i < 1000; i++)
        values[40 + i] = (uint8_t)i;
    values[1040] = 5;
    uint8_t keys[32 + 2 + 2] = {0};
    keys[32] = 1, keys[33] = 2, keys[34] = 1, keys[35] = 3;
    uint32_t key_offsets[] = {0, 32, 34, 36};
    uint32_t value_offsets[] = {0, 40, 1040, 1041};
    uint8_t root[32];
    CHECK(pv_trie_root(keys, key_offsets, values, value_offsets, 3, root) == PV_OK);
    CHECK(digest_is(root, "971eb72085ac0abdb208c18af07ae44ba956a13dd04a60b2f4e08806df0ae2ce"));
}

static void test_rejects_invalid_input(void)
{
    uint8_t root[32], untouched[32];
    memset(root, 0xee, sizeof root);
    memcpy(untouched, root, sizeof root);
    {
        const char *keys[] = {"dog", "do"}; /* unsorted */
        const char *values[] = {"a", "b"};
        CHECK(root_of(keys, values, 2, root) == PV_EINVAL);
    }
    {
        const char *keys[] = {"b", "a"};
        const char *values[] = {"a", "b"};
        CHECK(root_of(keys, values, 2, root) == PV_EINVAL);
    }
    {
        const char *keys[] = {"do", "do"}; /* duplicate */
        const char *values[] = {"a", "b"};
        CHECK(root_of(keys, values, 2, root) == PV_EINVAL);
    }
    {
        const char *keys[] = {"a", "b"}; /* empty value */
        const char *values[] = {"a", ""};
        CHECK(root_of(keys, values, 2, root) == PV_EINVAL);
    }
    {
        const char *keys[] = {"012345678901234567890123456789012"}; /* 33 bytes */
        const char *values[] = {"a"};
        CHECK(root_of(keys, values, 1, root) == PV_EINVAL);
        keys[0] = "01234567890123456789012345678901"; /* 32 bytes: fine */
        CHECK(root_of(keys, values, 1, untouched) == PV_OK);
        memcpy(untouched, root, sizeof root);
    }
    {
        uint8_t keys[2] = {1, 2}, values[2] = {3, 4};
        uint32_t from_one[] = {1, 2}, decreasing[] = {0, 2, 1}, good[] = {0, 1, 2};
        CHECK(pv_trie_root(keys, from_one, values, good, 1, root) == PV_EINVAL);
        CHECK(pv_trie_root(keys, good, values, from_one, 1, root) == PV_EINVAL);
        CHECK(pv_trie_root(keys, decreasing, values, good, 2, root) == PV_EINVAL);
        CHECK(pv_trie_root(keys, good, values, decreasing, 2, root) == PV_EINVAL);
        CHECK(pv_trie_root(NULL, good, values, good, 2, root) == PV_EINVAL);
        CHECK(pv_trie_root(keys, good, NULL, good, 2, root) == PV_EINVAL);
        CHECK(pv_trie_root(keys, NULL, values, good, 2, root) == PV_EINVAL);
        CHECK(pv_trie_root(keys, good, values, NULL, 2, root) == PV_EINVAL);
        CHECK(pv_trie_root(keys, good, values, good, 2, NULL) == PV_EINVAL);
    }
    CHECK(memcmp(root, untouched, sizeof root) == 0);
}

static int node_of(const char *const *keys, const char *const *values, uint32_t count,
                   uint32_t depth, uint8_t ref[33], uint8_t *len)
{
    static packed p;
    pack(&p, keys, values, count);
    return pv_trie_node(p.keys, p.key_offsets, p.values, p.value_offsets, count, depth, ref, len);
}

static void test_node_references(void)
{
    uint8_t ref[33], len = 0;
    {
        /* short nodes are embedded: at depth 0, rlp([0x2061, 0x62]); at depth 1 the leaf's
         * path is the odd nibble 1, rlp([0x31, 0x62]) = c2 31 62 */
        const char *keys[] = {"a"};
        const char *values[] = {"b"};
        CHECK(node_of(keys, values, 1, 0, ref, &len) == PV_OK);
        CHECK(len == 5 && memcmp(ref, "\xc4\x82\x20\x61\x62", 5) == 0);
        CHECK(node_of(keys, values, 1, 1, ref, &len) == PV_OK);
        CHECK(len == 3 && memcmp(ref, "\xc2\x31\x62", 3) == 0);
        CHECK(node_of(keys, values, 1, 2, ref, &len) == PV_OK); /* the whole key: empty path */
        CHECK(len == 3 && memcmp(ref, "\xc2\x20\x62", 3) == 0);
    }
    {
        /* a long node is referred to by its hash: at depth 0, the trie's root */
        const char *keys[] = {"do", "dog", "doge", "horse"};
        const char *values[] = {"verb", "puppy", "coin", "stallion"};
        CHECK(node_of(keys, values, 4, 0, ref, &len) == PV_OK);
        CHECK(len == 33 && ref[0] == 0xa0);
        CHECK(digest_is(ref + 1, "5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84"));
        CHECK(node_of(keys, values, 4, 1, ref, &len) == PV_OK); /* all start with nibble 6 */
    }
}

static void test_node_rejects_invalid_input(void)
{
    uint8_t ref[33], len = 0;
    const char *keys[] = {"a", "q"}; /* 0x61, 0x71: no nibble in common */
    const char *values[] = {"x", "y"};
    uint32_t zero = 0;
    CHECK(pv_trie_node(NULL, &zero, NULL, &zero, 0, 0, ref, &len) == PV_EINVAL); /* no items */
    CHECK(node_of(keys, values, 2, 1, ref, &len) == PV_EINVAL);
    CHECK(node_of(keys, values, 2, 0, ref, &len) == PV_OK);
    CHECK(node_of(keys, values, 1, 3, ref, &len) == PV_EINVAL); /* deeper than the key */
    CHECK(node_of(keys, values, 1, 65, ref, &len) == PV_EINVAL);
    CHECK(node_of(keys, values, 1, 0, NULL, &len) == PV_EINVAL);
    CHECK(node_of(keys, values, 1, 0, ref, NULL) == PV_EINVAL);
    const char *unsorted[] = {"q", "a"};
    CHECK(node_of(unsorted, values, 2, 0, ref, &len) == PV_EINVAL);
}

int main(void)
{
    RUN(test_keccak_vectors);
    RUN(test_keccak_streaming_matches_one_shot);
    RUN(test_bloom);
    RUN(test_empty_trie);
    RUN(test_classic_vector);
    RUN(test_single_short_pair);
    RUN(test_empty_key);
    RUN(test_long_value);
    RUN(test_rejects_invalid_input);
    RUN(test_node_references);
    RUN(test_node_rejects_invalid_input);
    return REPORT();
}
