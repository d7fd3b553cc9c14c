"""Running consensus fixtures: a py-evm chain configured with an engine's drop-in VMs.

The chain keeps py-evm's header, uncle, seal and root validation, so a fixture's invalid
blocks are rejected for the same reasons as with py-evm; the transactions of every block go
through the engine under test.
"""

import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rlp
from eth.chains.mainnet import MainnetChain
from eth.abc import ChainAPI
from eth.db.atomic import AtomicDB
from eth.exceptions import PyEVMError
from eth.tools.builder.chain.builders import disable_pow_check
from eth.tools.fixtures.helpers import (
    apply_fixture_block_to_chain,
    chain_vm_configuration,
    genesis_params_from_fixture,
    verify_state,
)
from eth_utils.exceptions import ValidationError

from .children import leave_stopping_to_parent
from .engine import Engine
from .fixtures import FixtureCase, load_fixture_file
from .modes import Mode, engine_for

# What py-evm raises for a block that breaks the rules (or cannot even be decoded): a rule
# violation, an RLP error, or one of py-evm's own errors (an unknown transaction type, an
# oversized initcode). Anything else is a bug, never a rejection.
REJECTIONS = (ValidationError, rlp.exceptions.RLPException, PyEVMError)


@dataclass(frozen=True)
class FixtureOutcome:
    """One consensus test run: passed, or the first thing that went wrong (`message`)."""

    source: str
    name: str
    network: str
    passed: bool
    blocks: int
    seconds: float
    message: str = ""
    transactions: int = 0  # in its blocks (a block that does not even decode lists none)
    parallel_blocks: int = 0
    fallbacks: tuple[str, ...] = ()  # why blocks ran sequentially under the parallel engine
    head: bytes = b""  # the chain's head after the import (its hash), and the head's state root
    state_root: bytes = b""
    rejections: tuple[str, ...] = ()  # why each invalid block was rejected, in order

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "network": self.network,
            "passed": self.passed,
            "blocks": self.blocks,
            "transactions": self.transactions,
            "seconds": round(self.seconds, 6),
            "message": self.message,
            "parallel_blocks": self.parallel_blocks,
            "fallbacks": list(self.fallbacks),
            "head": "0x" + self.head.hex(),
            "state_root": "0x" + self.state_root.hex(),
            "rejections": list(self.rejections),
        }


def chain_for(case: FixtureCase, engine: Engine) -> ChainAPI:
    """A chain at the fixture's genesis, configured with the engine's drop-in VMs."""
    configuration = engine.vm_configuration(chain_vm_configuration(case.fixture))
    chain_class = MainnetChain.configure("FixtureChain", vm_configuration=configuration)
    if case.fixture.get("sealEngine") == "NoProof":
        chain_class = disable_pow_check(chain_class)
    return chain_class.from_genesis(
        AtomicDB(),
        genesis_params=genesis_params_from_fixture(case.fixture),
        genesis_state=case.fixture["pre"],
    )


def run_fixture(case: FixtureCase, engine: Engine) -> FixtureOutcome:
    """Import every block; valid ones must match the fixture, invalid ones must be rejected."""
    started = time.perf_counter()
    engine.stats.clear()
    chain = None
    rejections: list[str] = []
    try:
        chain = chain_for(case, engine)
        message = _run_blocks(case, chain, rejections)
    except Exception as exc:  # an unexpected error fails this case, not the run
        message = f"error: {type(exc).__name__}: {exc}"
    stats = list(engine.stats)
    engine.stats.clear()
    head = chain.get_canonical_head() if chain else None
    return FixtureOutcome(
        source=case.source,
        name=case.name,
        network=case.network,
        passed=not message,
        blocks=case.block_count,
        seconds=time.perf_counter() - started,
        message=message,
        transactions=sum(len(block.get("transactions", ())) for block in case.fixture["blocks"]),
        parallel_blocks=sum(1 for s in stats if s.parallel),
        fallbacks=tuple(s.fallback for s in stats if s.fallback is not None),
        head=head.hash if head else b"",
        state_root=head.state_root if head else b"",
        rejections=tuple(rejections),
    )


def _run_blocks(case: FixtureCase, chain: ChainAPI, rejections: list[str]) -> str:
    """The failure message ('' for a pass); each rejection's reason goes to `rejections`."""
    fixture = case.fixture
    for index, block_fixture in enumerate(fixture["blocks"]):
        expected_error = block_fixture.get("expectException")
        before = chain.get_canonical_head()
        try:
            _, _, encoded = apply_fixture_block_to_chain(block_fixture, chain)
        except REJECTIONS as exc:
            if not expected_error:
                return f"block {index}: rejected: {type(exc).__name__}: {exc}"
            rejections.append(f"block {index}: {type(exc).__name__}: {exc}")
            if chain.get_canonical_head() != before:
                return f"block {index}: rejected, but the chain's head moved"
            continue
        if expected_error:
            return f"block {index}: imported, but the fixture expects {expected_error}"
        if encoded != block_fixture["rlp"]:
            return f"block {index}: the imported block differs from the fixture's"
    head = chain.get_canonical_head()
    if head.hash != fixture["lastblockhash"]:
        return f"head is 0x{head.hash.hex()}, the fixture's last block is 0x{fixture['lastblockhash'].hex()}"
    if "postState" in fixture:
        try:
            verify_state(fixture["postState"], chain.get_vm().state)
        except AssertionError as exc:
            return f"post-state: {exc}"
    elif "postStateHash" in fixture and head.state_root != fixture["postStateHash"]:
        return f"post-state root 0x{head.state_root.hex()} != 0x{fixture['postStateHash'].hex()}"
    return ""


Entry = tuple[str, str, Mode]
_loaded: dict[str, dict[str, FixtureCase]] = {}


def _run_entry(entry: Entry) -> FixtureOutcome:
    """Pool task: one case, named by file and test name (each worker caches the last file)."""
    source, name, mode = entry
    if source not in _loaded:
        _loaded.clear()
        _loaded[source] = {case.name: case for case in load_fixture_file(source)}
    return run_fixture(_loaded[source][name], engine_for(mode))


def run_file(mode: Mode, path: str) -> list[FixtureOutcome]:
    """Every case of one fixture file, in this process on its engine: a cluster task (a Dask
    worker is daemonic and cannot start run_entries' pool, nor would it need one)."""
    engine = engine_for(mode)
    return [run_fixture(case, engine) for case in load_fixture_file(path)]


def collect_entries(files: Sequence[Path], mode: Mode) -> list[Entry]:
    """(file, test name, mode) for every case; loading them all first makes bad input fail
    the run before any work starts."""
    return [(str(path), case.name, mode) for path in files for case in load_fixture_file(path)]


def run_entries(
    entries: Sequence[Entry],
    jobs: int,
    on_outcome: Callable[[FixtureOutcome], None],
) -> list[FixtureOutcome]:
    """Run the cases spread over `jobs` processes, case by case (1: in this process)."""
    if jobs <= 1:
        return _collect(map(_run_entry, entries), on_outcome)
    # Ctrl-C is the parent's, which then terminates the pool; SIGTERM kills a pool process
    # outright, and its engine's workers with it (children.bind_to).
    with multiprocessing.get_context("fork").Pool(jobs, initializer=leave_stopping_to_parent) as pool:
        return _collect(pool.imap_unordered(_run_entry, entries), on_outcome)


def _collect(
    outcomes: Iterable[FixtureOutcome], on_outcome: Callable[[FixtureOutcome], None]
) -> list[FixtureOutcome]:
    collected = []
    for outcome in outcomes:
        on_outcome(outcome)
        collected.append(outcome)
    return collected
