/* What the core's tests share: a core on the heap, numbered keys, words from integers. */
#ifndef PV_FIXTURE_H
#define PV_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "../pv_core.h"

/* A core in malloc'd memory (tests that fork use a shared mapping instead); free() it. */
static inline pv_core *core_new(uint32_t txs, uint32_t keys, uint32_t entries, uint32_t reads,
                                uint32_t code_bytes)
{
    pv_limits limits = {txs, keys, entries, reads, code_bytes};
    size_t size = pv_core_size(&limits);
    void *region = malloc(size);
    if (region == NULL || pv_core_init(region, size, &limits) != PV_OK) {
        free(region);
        return NULL;
    }
    return pv_core_at(region);
}

/* Key n: storage slot n of one account, so that keys differ only in the slot. */
static inline pv_key key_of(uint32_t n)
{
    static const uint8_t address[20] = {0xc0, 0xde};
    uint8_t slot[32] = {0};
    memcpy(slot + 28, &n, sizeof n);
    pv_key key;
    pv_key_make(&key, address, PV_STORAGE, slot);
    return key;
}

static inline void word_of(uint8_t word[32], uint64_t v)
{
    memset(word, 0, 32);
    for (int i = 31; i >= 24; i--, v >>= 8)
        word[i] = (uint8_t)v;
}

/* The low 64 bits of a word. */
static inline uint64_t word_u64(const uint8_t word[32])
{
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = v << 8 | word[i];
    return v;
}

static inline pv_write write_of(uint32_t key, int flag, uint64_t value)
{
    pv_write w;
    memset(&w, 0, sizeof w);
    w.key = key_of(key);
    w.flag = (uint8_t)flag;
    word_of(w.value, value);
    return w;
}

#endif
