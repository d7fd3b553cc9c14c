"""Fork selection: mainnet's schedule (as ../shared/data/README.md lists it), names, hints;
and the state classes parevm makes of each fork's."""

import pytest
from eth.vm.state import BaseState

from parevm.forks import (
    FORKS,
    UnknownFork,
    canonical_fork,
    fork_for_block,
    fork_from_header_fields,
    is_at_least,
    mainnet_fork,
)
from parevm.statedb import block_state_class
from parevm.worker import parallel_state_class

MAINNET = [
    (0, 0, "Frontier"),
    (1_149_999, 0, "Frontier"),
    (1_150_000, 0, "Homestead"),
    (2_463_000, 0, "TangerineWhistle"),
    (2_675_000, 0, "SpuriousDragon"),
    (4_369_999, 0, "SpuriousDragon"),
    (4_370_000, 0, "Byzantium"),
    (7_280_000, 0, "Petersburg"),
    (9_069_000, 0, "Istanbul"),
    (9_200_000, 0, "MuirGlacier"),
    (12_244_000, 0, "Berlin"),
    (12_965_000, 0, "London"),
    (13_773_000, 0, "ArrowGlacier"),
    (15_050_000, 0, "GrayGlacier"),
    (15_537_394, 1_663_224_179, "Paris"),
    (17_034_869, 1_681_338_443, "Paris"),
    (17_034_870, 1_681_338_455, "Shanghai"),
    (19_426_586, 1_710_338_123, "Shanghai"),
    (19_426_587, 1_710_338_135, "Cancun"),
    (22_431_084, 1_746_612_311, "Prague"),
]


@pytest.mark.parametrize("number,timestamp,fork", MAINNET)
def test_mainnet_schedule(number, timestamp, fork):
    assert mainnet_fork(number, timestamp) == fork


def test_names_and_order():
    assert canonical_fork("cancun") == "Cancun"
    assert canonical_fork("EIP158") == "SpuriousDragon"
    assert canonical_fork("ConstantinopleFix") == "Petersburg"
    assert is_at_least("Cancun", "Byzantium") and not is_at_least("Homestead", "Byzantium")
    with pytest.raises(UnknownFork):
        canonical_fork("Osaka")


def test_header_hints():
    base = {"number": "0x10", "timestamp": "0x10"}
    assert fork_from_header_fields({**base, "requestsHash": "0x", "parentBeaconBlockRoot": "0x"}) == "Prague"
    assert fork_from_header_fields({**base, "parentBeaconBlockRoot": "0x"}) == "Cancun"
    assert fork_from_header_fields({**base, "withdrawalsRoot": "0x"}) == "Shanghai"
    assert fork_from_header_fields({**base, "baseFeePerGas": "0x7", "difficulty": "0x0"}) == "Paris"
    with pytest.raises(UnknownFork):
        fork_from_header_fields(base)


def test_declared_fork_wins_over_schedule():
    header = {"number": hex(19_426_587), "timestamp": hex(1_710_338_135)}
    assert fork_for_block(1, header) == "Cancun"
    assert fork_for_block(1, header, "shanghai") == "Shanghai"
    assert fork_for_block(5, {**header, "withdrawalsRoot": "0x"}) == "Shanghai"


@pytest.mark.parametrize("fork", sorted(FORKS))
@pytest.mark.parametrize("make", [block_state_class, parallel_state_class])
def test_state_classes_log_where_py_evm_would(fork, make):
    """parevm's state classes keep their logger (see statedb.OneLogger): the one py-evm's own
    property hands an instance of them."""
    state_class = make(FORKS[fork].get_state_class())
    state = object.__new__(state_class)
    assert state.logger is BaseState.logger.fget(state)
