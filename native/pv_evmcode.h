/* EVM code analysis: which bytes of a contract's code start an instruction. */
#ifndef PV_EVMCODE_H
#define PV_EVMCODE_H

#include <stddef.h>
#include <stdint.h>

/* starts[i] = 1 where byte i of code starts an instruction, 0 where it is the immediate data of
 * a PUSH1..PUSH32 before it (a JUMP may land only on a start). A PUSH whose data runs past the
 * end covers the rest. starts holds len bytes; nothing is written when code or starts is NULL. */
void pv_opcode_starts(const uint8_t *code, size_t len, uint8_t *starts);

#endif
