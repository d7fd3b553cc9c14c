"""Hostile input: block files and transactions mutated at random (hypothesis) load or fail with
parevm's own InputError, naming the file; never another exception."""

import copy

from hypothesis import HealthCheck, given, settings, strategies as st

from parevm import InputError
from parevm.blockfile import block_input_from_json
from parevm.workloads import generate

# A small real block file (mined by py-evm). Without its hashes, which would reject most
# mutations at once, so that they reach the deeper checks.
BLOCK = generate("mixed", 12, seed=4)
del BLOCK["block"]["hash"]
for _transaction in BLOCK["block"]["transactions"]:
    _transaction.pop("hash", None)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**300, 2**300) | st.floats(allow_nan=True)
    | st.text(max_size=70) | st.sampled_from(["0x", "0x0", "0xzz", "0x" + "f" * 64, "1e400", "-0x1"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _paths(value, prefix=()):
    """Every place in the JSON document, as a path of keys and indexes."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, prefix + (index,))


PATHS = [path for path in _paths(BLOCK) if path]


@st.composite
def mutated(draw):
    document = copy.deepcopy(BLOCK)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = document
        try:
            for step in path[:-1]:
                parent = parent[step]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):  # an earlier mutation removed the way there
            continue
    return document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_block_file_loads_or_is_an_input_error(document):
    try:
        block_input_from_json(document, "fuzzed.json")
    except InputError as error:
        assert str(error).startswith("fuzzed.json")


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_any_json_document_is_an_input_error(document):
    try:
        block_input_from_json(document, "fuzzed.json")
    except InputError:
        pass


TRACE = st.dictionaries(
    st.sampled_from(["0x" + "11" * 20, "0x" + "22" * 20, "0xabc", "zz", ""]),
    st.dictionaries(st.sampled_from(["balance", "nonce", "code", "storage", "junk"]), JSON_VALUES, max_size=4)
    | JSON_VALUES,
    max_size=3,
)
TRACES = st.lists(st.one_of(TRACE, st.fixed_dictionaries({"result": TRACE}), JSON_VALUES), max_size=3)


@settings(max_examples=300, deadline=None)
@given(TRACES, TRACES, st.integers(0, 3))
def test_prestate_tracer_answers_merge_or_are_named(traces, diffs, transactions):
    """What a node's prestate tracer might answer: merged into accounts, or parevm's error."""
    from parevm import ParevmError
    from parevm.rpcsource import merge_prestates, pre_state_accounts

    try:
        pre_state_accounts("node", merge_prestates("node", traces, diffs, transactions))
    except ParevmError as error:
        assert "node" in str(error)


ANSWERS = JSON_VALUES | st.fixed_dictionaries(
    {"jsonrpc": st.just("2.0"), "id": st.just(1) | JSON_VALUES},
    optional={"result": JSON_VALUES, "error": JSON_VALUES | st.fixed_dictionaries(
        {}, optional={"code": JSON_VALUES | st.just(-32601), "message": JSON_VALUES})},
)


@settings(max_examples=300, deadline=None)
@given(ANSWERS)
def test_any_json_rpc_answer_is_a_result_or_an_rpc_error(answer):
    from parevm import RpcClient, RpcError

    client = RpcClient("http://127.0.0.1:9", timeout=1, retries=0)
    try:
        client._result({"method": "eth_getBlockByNumber", "id": 1}, answer)
    except RpcError as error:
        assert "127.0.0.1:9" in str(error)
