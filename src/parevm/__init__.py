"""parevm: an optimistic parallel EVM execution engine on py-evm, with a native core.

The library's surface is what this module exports (see the README's "Using it as a library"):
an Engine that runs blocks and makes drop-in VMs for py-evm chains, the loaders that make its
inputs, and the results it returns. Importing the package selects the fast crypto backends
(pysha3 keccak, coincurve ECDSA).
"""

from .crypto import select_fast_backends

select_fast_backends()

from .blockfile import load_block_file  # noqa: E402
from .blockinput import Account, BlockInput, Expected  # noqa: E402
from .conformance import FixtureOutcome, run_fixture  # noqa: E402
from .engine import Engine, EngineClosed  # noqa: E402
from .errors import InputError, ParevmError  # noqa: E402
from .fixtures import FixtureCase, find_fixture_files, load_fixture_file  # noqa: E402
from .outcome import Outcome  # noqa: E402
from .parallel import EngineError  # noqa: E402
from .result import AccountChange, BlockResult, Check, ReceiptSummary  # noqa: E402
from .rpc import RpcClient, RpcError  # noqa: E402
from .rpcsource import BlockSource  # noqa: E402
from .stats import ExecutionStats  # noqa: E402
from .tracercases import load_tracer_case  # noqa: E402
from .workloads import generate_block  # noqa: E402

__all__ = [
    "Account",
    "AccountChange",
    "BlockInput",
    "BlockResult",
    "BlockSource",
    "Check",
    "Engine",
    "EngineClosed",
    "EngineError",
    "ExecutionStats",
    "Expected",
    "FixtureCase",
    "FixtureOutcome",
    "InputError",
    "Outcome",
    "ParevmError",
    "ReceiptSummary",
    "RpcClient",
    "RpcError",
    "find_fixture_files",
    "generate_block",
    "load_block_file",
    "load_fixture_file",
    "load_tracer_case",
    "run_fixture",
]
