"""JSON-RPC block headers → py-evm header objects of the block's fork."""

from eth.abc import BlockHeaderAPI

from .errors import InputError
from .forks import VMClass
from .hexjson import FieldReader

# py-evm field name → (JSON-RPC name, kind, size); kinds: q quantity, d data.
HEADER_FIELDS = {
    "parent_hash": ("parentHash", "d", 32),
    "uncles_hash": ("sha3Uncles", "d", 32),
    "coinbase": ("miner", "d", 20),
    "state_root": ("stateRoot", "d", 32),
    "transaction_root": ("transactionsRoot", "d", 32),
    "receipt_root": ("receiptsRoot", "d", 32),
    "bloom": ("logsBloom", "d", 256),
    "difficulty": ("difficulty", "q", None),
    "block_number": ("number", "q", None),
    "gas_limit": ("gasLimit", "q", None),
    "gas_used": ("gasUsed", "q", None),
    "timestamp": ("timestamp", "q", None),
    "extra_data": ("extraData", "d", None),
    "mix_hash": ("mixHash", "d", 32),
    "nonce": ("nonce", "d", 8),
    "base_fee_per_gas": ("baseFeePerGas", "q", None),
    "withdrawals_root": ("withdrawalsRoot", "d", 32),
    "blob_gas_used": ("blobGasUsed", "q", None),
    "excess_blob_gas": ("excessBlobGas", "q", None),
    "parent_beacon_block_root": ("parentBeaconBlockRoot", "d", 32),
    "requests_hash": ("requestsHash", "d", 32),
}


def header_class(vm_class: VMClass) -> type[BlockHeaderAPI]:
    block_class = vm_class.get_block_class()
    sedes = dict(zip(block_class._meta.field_names, block_class._meta.sedes))
    return sedes["header"]


def header_from_rpc(block: FieldReader, vm_class: VMClass, fork: str) -> BlockHeaderAPI:
    """Build the fork's header; when the block gives its hash, the rebuilt header must match it."""
    cls = header_class(vm_class)
    fields = {}
    for name in cls._meta.field_names:
        rpc_name, kind, size = HEADER_FIELDS[name]
        if not block.has(rpc_name):
            raise InputError(
                block.source, f"the block has no '{rpc_name}', which a {fork} header needs"
            )
        if kind == "q":
            fields[name] = block.quantity(rpc_name)
        elif name == "bloom":
            fields[name] = int.from_bytes(block.data(rpc_name, size), "big")
        else:
            fields[name] = block.data(rpc_name, size)
    header = cls(**fields)
    claimed = block.optional_data("hash", 32)
    if claimed is not None and header.hash != claimed:
        raise InputError(
            block.source,
            f"the header fields hash to 0x{header.hash.hex()}, but the block's 'hash' is "
            f"0x{claimed.hex()} (wrong fork {fork}, or a field is wrong)",
        )
    return header
