/* Unit tests of pv_key: construction rules, hashing, equality. */
#include <string.h>

#include "../pv_key.h"
#include "check.h"

static const uint8_t ADDR_A[20] = {0xaa, 1, 2, 3};
static const uint8_t ADDR_B[20] = {0xbb, 1, 2, 3};

static void test_make_rejects_bad_input(void)
{
    pv_key k;
    uint8_t slot[32] = {0};
    CHECK(pv_key_make(NULL, ADDR_A, PV_BALANCE, NULL) == PV_EINVAL);
    CHECK(pv_key_make(&k, NULL, PV_BALANCE, NULL) == PV_EINVAL);
    CHECK(pv_key_make(&k, ADDR_A, -1, NULL) == PV_EINVAL);
    CHECK(pv_key_make(&k, ADDR_A, PV_KIND_COUNT, NULL) == PV_EINVAL);
    CHECK(pv_key_make(&k, ADDR_A, PV_NONCE, slot) == PV_EINVAL);
    CHECK(pv_key_make(&k, ADDR_A, PV_STORAGE, slot) == PV_OK);
}

static void test_hash_is_stable_and_separates_fields(void)
{
    pv_key a, b, s1, s2;
    uint8_t slot1[32] = {0}, slot2[32] = {0};
    slot1[31] = 1;
    slot2[31] = 2;
    pv_key_make(&a, ADDR_A, PV_BALANCE, NULL);
    pv_key_make(&b, ADDR_A, PV_BALANCE, NULL);
    CHECK(pv_key_equal(&a, &b));
    CHECK(pv_key_hash(&a) == pv_key_hash(&b));
    pv_key_make(&b, ADDR_A, PV_NONCE, NULL);
    CHECK(!pv_key_equal(&a, &b));
    CHECK(pv_key_hash(&a) != pv_key_hash(&b));
    pv_key_make(&b, ADDR_B, PV_BALANCE, NULL);
    CHECK(pv_key_hash(&a) != pv_key_hash(&b));
    pv_key_make(&s1, ADDR_A, PV_STORAGE, slot1);
    pv_key_make(&s2, ADDR_A, PV_STORAGE, slot2);
    CHECK(!pv_key_equal(&s1, &s2));
    CHECK(pv_key_hash(&s1) != pv_key_hash(&s2));
}

static void test_low_bits_spread(void)
{
    /* 4096 storage keys of one account should fill most of 1024 buckets. */
    static uint8_t seen[1024];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < 4096; i++) {
        uint8_t slot[32] = {0};
        slot[30] = (uint8_t)(i >> 8);
        slot[31] = (uint8_t)i;
        pv_key k;
        pv_key_make(&k, ADDR_A, PV_STORAGE, slot);
        seen[pv_key_hash(&k) & 1023] = 1;
    }
    int used = 0;
    for (int i = 0; i < 1024; i++)
        used += seen[i];
    CHECK(used > 950);
}

int main(void)
{
    RUN(test_make_rejects_bad_input);
    RUN(test_hash_is_stable_and_separates_fields);
    RUN(test_low_bits_spread);
    return REPORT();
}
