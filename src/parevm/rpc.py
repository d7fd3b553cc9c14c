"""A JSON-RPC client for one node: batched calls, a timeout, retries with backoff, one-line errors.

Transport failures (refused, reset, timed out, HTTP 429 and 5xx) are retried; an answer that is
not JSON-RPC, or an error the node returns, is not: asking again would get the same answer.
"""

import json
import time
from collections.abc import Sequence
from typing import Any

import requests

from .errors import ParevmError

METHOD_NOT_FOUND = -32601
_RETRY_STATUS = {429, 500, 502, 503, 504}
_MAX_ANSWER = 512 * 1024 * 1024  # bytes read from one answer at most


class RpcError(ParevmError):
    """The node could not be reached, refused a call, or answered something that is not JSON-RPC."""

    def __init__(self, url: str, message: str, code: int | None = None) -> None:
        self.url = url
        self.code = code
        super().__init__(f"{url}: {message}")


Call = tuple[str, Sequence[Any]]


class RpcClient:
    """Calls one node's JSON-RPC endpoint over HTTP(S).

    `batch` sends up to `batch_size` calls per request where the node accepts batches, and falls
    back to one call per request, for good, the first time a node rejects a batch.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        batch_size: int = 100,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise RpcError(url, "expected an http:// or https:// URL")
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.batch_size = batch_size
        self.batches_accepted = True
        self._session = requests.Session()
        self._next_id = 0

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "RpcClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, *params: Any) -> Any:
        request = self._request(method, params)
        return self._result(request, self._post(request, method))

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        """The results of `calls`, in order; any call's error fails the whole batch."""
        results: list[Any] = []
        for start in range(0, len(calls), self.batch_size):
            chunk = calls[start:start + self.batch_size]
            if len(chunk) == 1 or not self.batches_accepted:
                results.extend(self.call(method, *params) for method, params in chunk)
            else:
                results.extend(self._batch(chunk))
        return results

    def _batch(self, calls: Sequence[Call]) -> list[Any]:
        requests_ = [self._request(method, params) for method, params in calls]
        answer = self._post(requests_, calls[0][0] + " (batch)")
        if not isinstance(answer, list) or _refused(answer):
            # A node without batch support answers one error object (or 4xx, see _post); one
            # with a smaller limit than batch_size, a list of one error with no id.
            self.batches_accepted = False
            return [self.call(method, *params) for method, params in calls]
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        missing = [r["method"] for r in requests_ if r["id"] not in by_id]
        if missing:
            raise RpcError(self.url, f"malformed batch answer: no answer to {missing[0]} "
                           f"({len(missing)} of {len(requests_)} missing)")
        return [self._result(r, by_id[r["id"]]) for r in requests_]

    def _request(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        self._next_id += 1
        return {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": list(params)}

    def _result(self, request: dict[str, Any], answer: Any) -> Any:
        method = request["method"]
        if not isinstance(answer, dict) or ("result" not in answer and answer.get("error") is None):
            raise RpcError(self.url, f"malformed answer to {method}: {_excerpt(answer)}")
        if answer.get("id") != request["id"]:
            raise RpcError(self.url, f"malformed answer to {method}: id {answer.get('id')!r}, "
                           f"expected {request['id']}")
        error = answer.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else error
            if code == METHOD_NOT_FOUND:
                raise RpcError(self.url, f"the node does not offer {method} ({message})", code)
            raise RpcError(self.url, f"{method} failed: {_excerpt(message)} (code {code})", code)
        return answer["result"]

    def _post(self, payload: Any, what: str) -> Any:
        """POST with retries on transport failures; the parsed JSON answer."""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self._session.post(self.url, json=payload, timeout=self.timeout, stream=True)
            except requests.Timeout:
                failure = f"no answer to {what} within {self.timeout:g} s"
                continue
            except requests.ConnectionError as exc:
                failure = f"cannot connect: {_reason(exc)}"
                continue
            except requests.RequestException as exc:
                raise RpcError(self.url, f"{what}: {_reason(exc)}") from None
            if response.status_code in _RETRY_STATUS:
                failure = f"HTTP {response.status_code} {response.reason} to {what}"
                response.close()
                continue
            return self._parse(response, payload, what)
        tries = self.retries + 1
        raise RpcError(self.url, f"{failure} (after {tries} {'try' if tries == 1 else 'tries'})")

    def _parse(self, response: requests.Response, payload: Any, what: str) -> Any:
        try:
            body = response.raw.read(_MAX_ANSWER + 1, decode_content=True)
        except (requests.RequestException, OSError) as exc:
            raise RpcError(self.url, f"the answer to {what} broke off: {_reason(exc)}") from None
        finally:
            response.close()
        if len(body) > _MAX_ANSWER:
            raise RpcError(self.url, f"the answer to {what} is over {_MAX_ANSWER >> 20} MiB")
        try:
            answer = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            status = f"HTTP {response.status_code}: " if response.status_code != 200 else ""
            raise RpcError(self.url, f"not a JSON-RPC answer to {what} ({status}{_excerpt(body)})") from None
        if response.status_code != 200 and not isinstance(answer, (dict, list)):
            raise RpcError(self.url, f"HTTP {response.status_code} to {what}: {_excerpt(answer)}")
        return answer  # an error object under 4xx too: a refused batch, or the call's error


def _refused(answer: list[Any]) -> bool:
    return len(answer) == 1 and isinstance(answer[0], dict) and answer[0].get("id") is None and "error" in answer[0]


def _reason(exc: Exception) -> str:
    """The innermost cause of a requests exception, without urllib3's object reprs."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out",
                   "Connection reset", "Remote end closed connection", "No route to host"):
        if marker in text:
            return marker.lower()
    return text.split(": ")[-1][:200] or type(exc).__name__


def _excerpt(value: Any) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else (
        value if isinstance(value, str) else json.dumps(value)
    )
    text = " ".join(text.split())
    return repr(text[:120] + ("..." if len(text) > 120 else ""))
