"""parevm: an optimistic parallel EVM execution engine on py-evm, with a native core.

Importing the package selects the fast crypto backends (pysha3 keccak, coincurve ECDSA).
"""

from .crypto import select_fast_backends

select_fast_backends()

from .blockfile import load_block_file  # noqa: E402
from .blockinput import Account, BlockInput, Expected  # noqa: E402
from .errors import InputError, ParevmError  # noqa: E402
from .replay import replay  # noqa: E402
from .result import AccountChange, BlockResult, Check, ReceiptSummary  # noqa: E402
from .sequential import PyEvmExecutor, SequentialExecutor  # noqa: E402

__all__ = [
    "Account",
    "AccountChange",
    "BlockInput",
    "BlockResult",
    "Check",
    "Expected",
    "InputError",
    "ParevmError",
    "PyEvmExecutor",
    "ReceiptSummary",
    "SequentialExecutor",
    "load_block_file",
    "replay",
]
