/* Unit tests of pv_opcode_starts: PUSH data is no instruction, whatever its bytes. */
#include <string.h>

#include "../pv_evmcode.h"
#include "check.h"

static void test_push_data_is_skipped(void)
{
    /* PUSH2 0x5b 0x60, JUMPDEST, PUSH1 0x5b, PUSH32 with its data cut short by the end */
    const uint8_t code[] = {0x61, 0x5b, 0x60, 0x5b, 0x60, 0x5b, 0x7f, 0x5b, 0x5b};
    const uint8_t expected[] = {1, 0, 0, 1, 1, 0, 1, 0, 0};
    uint8_t starts[sizeof code];
    memset(starts, 7, sizeof starts);
    pv_opcode_starts(code, sizeof code, starts);
    CHECK(memcmp(starts, expected, sizeof code) == 0);
}

static void test_plain_code_and_edges(void)
{
    const uint8_t code[] = {0x00, 0x5b, 0x5f, 0x80}; /* STOP, JUMPDEST, PUSH0 (no data), DUP1 */
    uint8_t starts[sizeof code + 1];
    memset(starts, 7, sizeof starts);
    pv_opcode_starts(code, sizeof code, starts);
    CHECK(starts[0] == 1 && starts[1] == 1 && starts[2] == 1 && starts[3] == 1);
    CHECK(starts[4] == 7); /* nothing written past len */
    pv_opcode_starts(code, 0, starts);
    pv_opcode_starts(NULL, 4, starts);
    pv_opcode_starts(code, 4, NULL);
    CHECK(starts[4] == 7);
}

int main(void)
{
    RUN(test_push_data_is_skipped);
    RUN(test_plain_code_and_edges);
    return REPORT();
}
