"""The alt_bn128 precompiles on py_ecc (py-evm's own) against the native backend (bn254.py):
sequential replays of the mainnet blocks that call them, alternating, in one process.

    python benchmarks/bn254_ab.py [MAINNET_DIR] [--repeat N]
"""

import argparse
from pathlib import Path

from parevm import bn254, load_block_file
from parevm.engine import Engine

ROOT = Path(__file__).resolve().parents[1]


def callers(engine: Engine, files: list[Path]) -> list[Path]:
    """The blocks whose transactions reach one of the three precompiles."""
    called: list[bool] = []

    def noting(function):
        return lambda data: called.append(True) or function(data)

    bn254.use({name: noting(function) for name, function in bn254.NATIVE.items()})
    found = []
    for path in files:
        called.clear()
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
        for name, backend in (("py_ecc", bn254.PY_ECC), ("native", bn254.NATIVE)):
            bn254.use(backend)
            results = [engine.execute(load_block_file(path)) for path in blocks]
            assert all(result.ok for result in results)
            print(f"{name}: {sum(result.seconds for result in results):.2f} s")


if __name__ == "__main__":
    main()
