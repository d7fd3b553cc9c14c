"""cffi build script (API mode) for parevm._native; the declarations live in cdef.h.

Paths are relative to the project root, where setuptools runs it.
"""

from pathlib import Path

from cffi import FFI

NATIVE = Path("native")
SOURCES = sorted(path.name for path in NATIVE.glob("*.c"))

ffibuilder = FFI()
ffibuilder.cdef((NATIVE / "cdef.h").read_text())
ffibuilder.set_source(
    "parevm._native",
    '#include "pv_core.h"\n#include "pv_keccak.h"\n#include "pv_trie.h"',
    sources=[str(NATIVE / name) for name in SOURCES],
    include_dirs=[str(NATIVE)],
    extra_compile_args=["-std=c11", "-O2", "-Wall", "-Wextra"],
)
