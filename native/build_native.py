"""cffi build script (API mode) for parevm._native; the declarations live in cdef.h.

Paths are relative to the project root, where setuptools runs it. Run as a script, it builds a
variant with extra compiler flags into a directory of its own, for the sanitizer run of the
core's Python-level tests: `python native/build_native.py OUT_DIR -fsanitize=address,...`
(the extension lands in OUT_DIR/parevm/).
"""

import sys
from pathlib import Path

from cffi import FFI

NATIVE = Path("native")
SOURCES = sorted(path.name for path in NATIVE.glob("*.c"))


def builder(native: Path, extra_flags: list[str]) -> FFI:
    """The extension's builder from the sources in `native` (relative for setuptools, absolute
    for cffi's own compile, which works in its output directory); extra_flags go to both the
    compiler and the linker."""
    ffi = FFI()
    ffi.cdef((native / "cdef.h").read_text())
    ffi.set_source(
        "parevm._native",
        '#include "pv_core.h"\n#include "pv_evmcode.h"\n#include "pv_keccak.h"\n#include "pv_trie.h"',
        sources=[str(native / name) for name in SOURCES],
        include_dirs=[str(native)],
        extra_compile_args=["-std=c11", "-O2", "-Wall", "-Wextra", *extra_flags],
        extra_link_args=extra_flags,
    )
    return ffi


ffibuilder = builder(NATIVE, [])

if __name__ == "__main__":
    out_dir, *flags = sys.argv[1:]
    builder(NATIVE.resolve(), flags).compile(tmpdir=out_dir)
