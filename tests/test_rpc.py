"""The JSON-RPC client and block source against fake nodes: a closed port, garbage, a node
without the debug API, unknown blocks, malformed answers, batches refused, transient failures."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from parevm.cli import main
from parevm.errors import InputError
from parevm.rpc import RpcClient, RpcError
from parevm.rpcsource import BlockSource, _has_blockhash, merge_prestates, unreported_parties

from .node import free_port

A, B, C = ("0x" + f"{n:040x}" for n in (0xA, 0xB, 0xC))


class FakeNode:
    """An HTTP server on 127.0.0.1 whose answer to each POST body is `respond(body)`:
    bytes are sent as they are, anything else as JSON; None never answers."""

    def __init__(self, respond) -> None:
        self.requests: list = []
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                node.requests.append(json.loads(body))
                answer = respond(json.loads(body))
                if answer is None:
                    time.sleep(5)
                    return
                status, payload = answer if isinstance(answer, tuple) else (200, answer)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    nodes = []

    def start(respond):
        nodes.append(FakeNode(respond))
        return nodes[-1]

    yield start
    for node in nodes:
        node.close()


def answer(request, result=None, error=None):
    """A JSON-RPC answer to one request, or to each of a batch."""
    if isinstance(request, list):
        return [answer(r, result) for r in request]
    if callable(result):
        result = result(request)
    if error is not None:
        return {"jsonrpc": "2.0", "id": request["id"], "error": error}
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def test_closed_port_fails_fast_and_writes_nothing(tmp_path, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    code = main(["fetch", "--rpc", url, "--rpc-retries", "2", "5", "-o", str(tmp_path)])
    assert code == 2
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert err.startswith(f"parevm: error: {url}: cannot connect: connection refused (after 3 tries)")
    assert len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_garbage_answer(fake, tmp_path, capsys):
    node = fake(lambda request: b"<html>hello</html>")
    assert main(["fetch", "--rpc", node.url, "7", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a JSON-RPC answer to eth_getBlockByNumber ('<html>hello</html>')" in err
    assert list(tmp_path.iterdir()) == []


def test_truncated_and_oversized_answers_are_named(fake, monkeypatch):
    whole = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x" + "ab" * 600}).encode()
    node = fake(lambda request: whole[: len(whole) // 2])
    with pytest.raises(RpcError, match="not a JSON-RPC answer to eth_chainId"):
        RpcClient(node.url).call("eth_chainId")
    monkeypatch.setattr("parevm.rpc._MAX_ANSWER", 1024)  # instead of sending 512 MiB
    node = fake(lambda request: answer(request, "0x" + "ab" * 600))
    with pytest.raises(RpcError, match="the answer to eth_chainId is over"):
        RpcClient(node.url).call("eth_chainId")


def test_silent_node_times_out():
    node = FakeNode(lambda request: None)
    try:
        client = RpcClient(node.url, timeout=0.3, retries=1, backoff=0.1)
        started = time.monotonic()
        with pytest.raises(RpcError, match=r"no answer to eth_chainId within 0.3 s \(after 2 tries\)"):
            client.call("eth_chainId")
        assert time.monotonic() - started < 3
    finally:
        node.close()


def test_transient_failures_are_retried(fake):
    failures = iter([(503, b"busy"), (429, b"slow down")])
    node = fake(lambda request: next(failures, None) or answer(request, "0x1"))
    assert RpcClient(node.url, backoff=0.01).call("eth_chainId") == "0x1"
    assert len(node.requests) == 3


def test_node_errors_are_not_retried(fake):
    node = fake(lambda request: answer(request, error={"code": -32000, "message": "header not found"}))
    with pytest.raises(RpcError, match="eth_getBalance failed: 'header not found' \\(code -32000\\)"):
        RpcClient(node.url, backoff=0.01).call("eth_getBalance", A, "0x1")
    assert len(node.requests) == 1


def test_wrong_id_and_shape_are_malformed(fake):
    node = fake(lambda request: {"jsonrpc": "2.0", "id": 999, "result": "0x1"})
    with pytest.raises(RpcError, match="malformed answer to eth_chainId: id 999"):
        RpcClient(node.url).call("eth_chainId")
    node = fake(lambda request: [1, 2])
    with pytest.raises(RpcError, match="malformed answer to eth_chainId"):
        RpcClient(node.url).call("eth_chainId")


def test_batches_and_their_refusal(fake):
    node = fake(lambda request: answer(request, lambda r: r["params"][0]))
    client = RpcClient(node.url, batch_size=3)
    calls = [("echo", [n]) for n in range(7)]
    assert client.batch(calls) == list(range(7))
    assert [len(r) if isinstance(r, list) else 1 for r in node.requests] == [3, 3, 1]

    def no_batches(request):
        if isinstance(request, list):  # as geth over its limit: one error without an id
            return [{"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch too large"}}]
        return answer(request, request["params"][0])

    node = fake(no_batches)
    client = RpcClient(node.url, batch_size=3)
    assert client.batch(calls) == list(range(7))
    assert client.batches_accepted is False
    assert sum(isinstance(r, list) for r in node.requests) == 1  # refused once, then singles


def test_missing_answers_in_a_batch(fake):
    node = fake(lambda request: answer(request[:1], "0x1"))
    with pytest.raises(RpcError, match="no answer to b \\(1 of 2 missing\\)"):
        RpcClient(node.url).batch([("a", []), ("b", [])])


def node_with(methods):
    """A respond function from method name -> result (or an exception-like error dict)."""
    def respond(request):
        if isinstance(request, list):
            return [respond(r) for r in request]
        result = methods.get(request["method"], KeyError)
        if result is KeyError:
            return answer(request, error={"code": -32601, "message": "the method does not exist"})
        return answer(request, result(request["params"]) if callable(result) else result)
    return respond


def test_node_without_debug_api(fake, tmp_path, capsys):
    node = fake(node_with({"eth_getBlockByNumber": {"number": "0x5", "transactions": []}}))
    assert main(["fetch", "--rpc", node.url, "5", "-o", str(tmp_path)]) == 2
    assert "the node does not offer debug_traceBlockByNumber (the method does not exist)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_unknown_block(fake, capsys):
    node = fake(node_with({"eth_getBlockByNumber": None, "eth_blockNumber": "0x10"}))
    assert main(["replay", "--rpc", node.url, "99"]) == 2
    err = capsys.readouterr().err
    assert f"{node.url} block 99: the node has no such block (its latest is 16)" in err


def test_block_specs(fake):
    source = BlockSource(RpcClient(fake(node_with({"eth_blockNumber": "0x10"})).url))
    assert source.block_numbers(["3", "0x5..7", "14..latest"]) == [3, 5, 6, 7, 14, 15, 16]
    for bad in ("x", "5..3", "1..", "-1"):
        with pytest.raises(InputError, match="BLOCK"):
            source.block_numbers([bad])


def test_merge_first_value_wins_and_created_accounts_are_left_out():
    traces = [
        {"txHash": "0x01", "result": {A: {"balance": "0x10", "nonce": 1, "storage": {"0x01": "0x05"}}}},
        {"result": {A: {"balance": "0x0f", "nonce": 2, "storage": {"0x01": "0x06", "0x02": "0x07"}},
                    B: {"balance": "0x64", "code": "0x6000"}}},
        {C: {"balance": "0x00"}},
    ]
    diffs = [
        {"result": {"pre": {A: {"balance": "0x10"}}, "post": {A: {"balance": "0x0f"}, B: {"balance": "0x64"}}}},
        {"pre": {}, "post": {}},
        {"pre": {}, "post": {}},
    ]
    merged = merge_prestates("node", traces, diffs, 3)
    assert merged[bytes.fromhex(A[2:])] == {"balance": "0x10", "nonce": 1, "storage": {1: "0x05", 2: "0x07"}}
    assert bytes.fromhex(B[2:]) not in merged  # the first transaction created it
    assert merged[bytes.fromhex(C[2:])] == {"balance": "0x00"}


@pytest.mark.parametrize("traces,message", [
    ([], "expected 1 results, got 0 results"),
    ({"result": []}, "expected 1 results, got dict"),
    ([{"error": "execution timeout"}], "could not trace a transaction: execution timeout"),
    ([{"0xzz": {}}], "bad address"),
    (["nope"], "trace\\[0\\]: expected an object, got str"),
])
def test_malformed_traces_are_named(traces, message):
    with pytest.raises(InputError, match=message):
        merge_prestates("node block 5", traces, [{"pre": {}, "post": {}}], 1)


def test_unreported_senders_and_recipients_are_listed():
    a, b, c = (bytes.fromhex(x[2:]) for x in (A, B, C))
    traces = [{"result": {A: {}, B: {}}}, {C: {}, A: {}}]
    assert unreported_parties("node", traces, [(a, b), (c, None)]) == []  # a creation: no recipient
    assert unreported_parties("node", traces, [(c, b), (c, b)]) == [(0, "sender", c), (1, "recipient", b)]


def _node_leaving_out(sender_at_parent: dict):
    """A node whose one-transaction block's trace leaves out the sender (A, to B), and whose
    parent state holds `sender_at_parent` (balance, nonce) for it."""
    def result(method, params):
        if method == "eth_getBlockByNumber":
            return {"number": "0x5", "miner": C, "transactions": [{"from": A, "to": B}]}
        if method == "debug_traceBlockByNumber":
            diff_mode = "tracerConfig" in params[1]
            return [{"result": {"pre": {}, "post": {}} if diff_mode else {B: {"balance": "0x1"}}}]
        if method in ("eth_getBalance", "eth_getTransactionCount") and params[0] == A:
            return sender_at_parent["balance" if method == "eth_getBalance" else "nonce"]
        return {"eth_chainId": "0x1", "eth_getCode": "0x"}.get(method, "0x0")

    return lambda request: answer(request, lambda r: result(r["method"], r["params"]))


def test_a_trace_leaving_out_an_existing_sender_is_named(fake):
    node = fake(_node_leaving_out({"balance": "0x5", "nonce": "0x1"}))
    with pytest.raises(InputError, match=f"trace\\[0\\] leaves out transaction 0's sender {A}, "
                                         "which exists at block 4: the node's traces leave out"):
        BlockSource(RpcClient(node.url)).block_json(5)


def test_a_trace_may_leave_out_an_empty_sender(fake):
    """Tracers that drop empty accounts are not inconsistent: the account is asked for at the
    parent and is empty there (the block then fails later, on its missing header fields)."""
    node = fake(_node_leaving_out({"balance": "0x0", "nonce": "0x0"}))
    with pytest.raises(InputError) as error:
        BlockSource(RpcClient(node.url)).block_json(5)
    assert "leaves out" not in str(error.value)
    assert ["eth_getBalance", [A, "0x4"]] in [[r["method"], r["params"]] for batch in node.requests
                                              for r in (batch if isinstance(batch, list) else [batch])]


def test_blockhash_scan_skips_push_data():
    assert _has_blockhash(bytes([0x60, 0x01, 0x40]))
    assert not _has_blockhash(bytes([0x60, 0x40, 0x61, 0x40, 0x40]))  # PUSH1 0x40, PUSH2 0x4040
    assert not _has_blockhash(bytes([0x7F]) + b"\x40" * 32)
