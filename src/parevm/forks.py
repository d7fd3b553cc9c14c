"""Which py-evm VM runs a block: fork names, mainnet's schedule, fixture networks, header hints."""

from collections.abc import Mapping
from typing import Any

from eth.abc import VirtualMachineAPI
from eth.chains.mainnet import MainnetHomesteadVM
from eth.vm.forks import (
    ArrowGlacierVM,
    BerlinVM,
    ByzantiumVM,
    CancunVM,
    ConstantinopleVM,
    FrontierVM,
    GrayGlacierVM,
    HomesteadVM,
    IstanbulVM,
    LondonVM,
    MuirGlacierVM,
    ParisVM,
    PetersburgVM,
    PragueVM,
    ShanghaiVM,
    SpuriousDragonVM,
    TangerineWhistleVM,
)

VMClass = type[VirtualMachineAPI]

# Oldest first; the order is used to compare forks ("at least Byzantium").
FORKS: dict[str, VMClass] = {
    "Frontier": FrontierVM,
    "Homestead": HomesteadVM,
    "TangerineWhistle": TangerineWhistleVM,
    "SpuriousDragon": SpuriousDragonVM,
    "Byzantium": ByzantiumVM,
    "Constantinople": ConstantinopleVM,
    "Petersburg": PetersburgVM,
    "Istanbul": IstanbulVM,
    "MuirGlacier": MuirGlacierVM,
    "Berlin": BerlinVM,
    "London": LondonVM,
    "ArrowGlacier": ArrowGlacierVM,
    "GrayGlacier": GrayGlacierVM,
    "Paris": ParisVM,
    "Shanghai": ShanghaiVM,
    "Cancun": CancunVM,
    "Prague": PragueVM,
}
_ORDER = {name: index for index, name in enumerate(FORKS)}
_ALIASES = {name.lower(): name for name in FORKS} | {
    "eip150": "TangerineWhistle",
    "eip158": "SpuriousDragon",
    "constantinoplefix": "Petersburg",
    "merge": "Paris",
}

MAINNET_CHAIN_ID = 1
# Forks up to Paris switch at a block number; later ones at a timestamp.
MAINNET_BY_NUMBER = (
    (0, "Frontier"),
    (1_150_000, "Homestead"),
    (2_463_000, "TangerineWhistle"),
    (2_675_000, "SpuriousDragon"),
    (4_370_000, "Byzantium"),
    (7_280_000, "Petersburg"),
    (9_069_000, "Istanbul"),
    (9_200_000, "MuirGlacier"),
    (12_244_000, "Berlin"),
    (12_965_000, "London"),
    (13_773_000, "ArrowGlacier"),
    (15_050_000, "GrayGlacier"),
    (15_537_394, "Paris"),
)
MAINNET_BY_TIMESTAMP = (
    (1_681_338_455, "Shanghai"),
    (1_710_338_135, "Cancun"),
    (1_746_612_311, "Prague"),
)


class UnknownFork(ValueError):
    """A fork name that py-evm 0.12 does not implement."""


def canonical_fork(name: str) -> str:
    """'cancun', 'EIP158', 'Cancun' → the canonical fork name; UnknownFork otherwise."""
    try:
        return _ALIASES[name.replace("_", "").replace("-", "").lower()]
    except KeyError:
        raise UnknownFork(f"unknown fork {name!r} (known: {', '.join(FORKS)})") from None


def is_at_least(fork: str, other: str) -> bool:
    """True when `fork` is `other` or a later fork."""
    return _ORDER[fork] >= _ORDER[other]


def vm_class_for(fork: str, chain_id: int) -> VMClass:
    """The VM class; mainnet's Homestead carries the DAO-fork rules."""
    if fork == "Homestead" and chain_id == MAINNET_CHAIN_ID:
        return MainnetHomesteadVM
    return FORKS[fork]


def mainnet_fork(number: int, timestamp: int) -> str:
    """The fork of a mainnet block, from its number and timestamp."""
    fork = "Frontier"
    for first_block, name in MAINNET_BY_NUMBER:
        if number >= first_block:
            fork = name
    if fork == "Paris":
        for first_time, name in MAINNET_BY_TIMESTAMP:
            if timestamp >= first_time:
                fork = name
    return fork


def fork_from_header_fields(header: Mapping[str, Any]) -> str:
    """The newest fork a JSON-RPC header's fields allow, for chains with no known schedule."""
    if "requestsHash" in header:
        return "Prague"
    if "parentBeaconBlockRoot" in header:
        return "Cancun"
    if "withdrawalsRoot" in header:
        return "Shanghai"
    if "baseFeePerGas" in header:
        return "Paris" if int(header.get("difficulty", "0x0"), 16) == 0 else "GrayGlacier"
    raise UnknownFork(
        "the header has no baseFeePerGas (a pre-London chain) and the chain's schedule is "
        "unknown: name the fork (the file's 'fork' field or --fork)"
    )


def fork_for_block(
    chain_id: int, header: Mapping[str, Any], declared: str | None = None
) -> str:
    """A declared fork wins; then the chain's known schedule; then the header's fields."""
    if declared is not None:
        return canonical_fork(declared)
    if chain_id == MAINNET_CHAIN_ID:
        return mainnet_fork(int(header["number"], 16), int(header["timestamp"], 16))
    return fork_from_header_fields(header)
