/* EVM code analysis (pv_evmcode.h). */
#include <string.h>

#include "pv_evmcode.h"

enum { PV_PUSH1 = 0x60, PV_PUSH32 = 0x7f };

void pv_opcode_starts(const uint8_t *code, size_t len, uint8_t *starts)
{
    if (code == NULL || starts == NULL)
        return;
    memset(starts, 0, len);
    for (size_t i = 0; i < len; i++) {
        starts[i] = 1;
        if (code[i] >= PV_PUSH1 && code[i] <= PV_PUSH32)
            i += (size_t)(code[i] - PV_PUSH1 + 1);
    }
}
