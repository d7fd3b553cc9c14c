"""Importing parevm selects the fast crypto backends and loads py-evm's KZG setup only once."""

import subprocess
import sys

from eth.precompiles import point_evaluation
from eth_hash.auto import keccak

import parevm  # noqa: F401  (the import is what selects them)
from parevm.crypto import backends_in_use, select_fast_backends

from .conftest import FIXTURES, require


def test_fast_backends_are_selected():
    assert backends_in_use()["keccak"] == "eth_hash.backends.pysha3"
    assert "CoinCurve" in backends_in_use()["ecdsa"]
    assert keccak(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def test_kzg_setup_loaded_once():
    path = point_evaluation.TRUSTED_SETUP_PATH
    first = point_evaluation.load_trusted_setup(path, 0)
    assert point_evaluation.load_trusted_setup(path, 0) is first
    select_fast_backends()  # idempotent: still the same cached loader
    assert point_evaluation.load_trusted_setup(path, 0) is first


POINT_EVALUATION_RUN = """
import sys

from eth.precompiles import point_evaluation
from parevm.conformance import run_fixture
from parevm.engine import Engine
from parevm.fixtures import load_fixture_file

engine = Engine(2, min_txs=0, retries=0, fallback=False)
for case in load_fixture_file(sys.argv[1])[:3]:
    outcome = run_fixture(case, engine)
    assert outcome.passed and outcome.parallel_blocks == outcome.blocks, outcome
print(point_evaluation.load_trusted_setup.cache_info().misses)
"""


def test_engine_loads_the_kzg_setup_once_and_only_when_a_block_uses_it(tmp_path):
    """In a fresh process: an ERC20 block leaves it unloaded; the first point evaluation in a
    worker has the parent load it once and re-run the block (exactly, and not counted as a
    failed attempt: retries=0 and no fallback); later blocks inherit it."""
    fixture = require(FIXTURES / "eest/cancun/eip4844_blobs/test_point_evaluation_precompile_gas_usage.json.gz")
    unused = subprocess.run(
        [sys.executable, "-c", "import parevm.workloads as w, parevm.engine as e; from eth.precompiles "
         "import point_evaluation as p; e.Engine(2, min_txs=0).execute(w.generate_block('erc20', 16)); "
         "print(p.load_trusted_setup.cache_info().misses)"],
        capture_output=True, text=True, check=True,
    )
    assert unused.stdout.split() == ["0"]
    used = subprocess.run(
        [sys.executable, "-c", POINT_EVALUATION_RUN, str(fixture)], capture_output=True, text=True, check=True
    )
    # Loaded once, here in the parent (the commit never runs a precompile), for three cases
    # whose blocks all call it: the first re-run and the later blocks' workers inherit it.
    assert used.stdout.split() == ["1"]
