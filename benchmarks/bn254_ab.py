"""The alt_bn128 precompiles on py_ecc (py-evm's own) against the native backend (bn254.py):
sequential replays of the mainnet blocks that call them, alternating, in one process.

    python benchmarks/bn254_ab.py [MAINNET_DIR] [--repeat N]
"""

import argparse
from pathlib import Path

from parevm import bn254, load_block_file
from parevm.engine import Engine

ROOT = Path(__file__).resolve().parents[1]


def use_py_ecc() -> None:
    bn254.ecadd._ecadd = bn254.PY_ECC["ecadd"]
    bn254.ecmul._ecmull = bn254.PY_ECC["ecmul"]
    bn254.ecpairing._ecpairing = bn254.PY_ECC["ecpairing"]


def callers(engine: Engine, files: list[Path]) -> list[Path]:
    """The blocks whose transactions reach one of the three precompiles."""
    called: list[bool] = []
    native = bn254.native_ecpairing, bn254.native_ecmul, bn254.native_ecadd

    def noting(function):
        return lambda data: called.append(True) or function(data)

    found = []
    for path in files:
        called.clear()
        bn254.ecpairing._ecpairing, bn254.ecmul._ecmull, bn254.ecadd._ecadd = map(noting, native)
        engine.execute(load_block_file(path))
        if called:
            found.append(path)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=ROOT.parent / "shared" / "data" / "mainnet", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    engine = Engine(mode="sequential")
    blocks = callers(engine, sorted(args.corpus.glob("*.json.gz")))
    print("blocks:", " ".join(path.name.split(".")[0] for path in blocks))
    for _ in range(args.repeat):
        for name, select in (("py_ecc", use_py_ecc), ("native", bn254.use_native_bn254)):
            select()
            results = [engine.execute(load_block_file(path)) for path in blocks]
            assert all(result.ok for result in results)
            print(f"{name}: {sum(result.seconds for result in results):.2f} s")


if __name__ == "__main__":
    main()
