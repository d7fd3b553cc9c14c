"""Reading JSON-RPC style values (0x-hex quantities and data) with errors that name the field."""

from collections.abc import Mapping
from typing import Any

from .errors import InputError


class FieldReader:
    """Reads typed fields out of one JSON object; every error names the source and field path."""

    def __init__(self, source: str, obj: Any, path: str = "") -> None:
        if not isinstance(obj, Mapping):
            raise InputError(source, f"{path or 'top level'}: expected an object, got {_kind(obj)}")
        self.source = source
        self.obj = obj
        self.path = path

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> InputError:
        return InputError(self.source, f"field '{self._name(key)}': {message}")

    def has(self, key: str) -> bool:
        return key in self.obj and self.obj[key] is not None

    def raw(self, key: str) -> Any:
        if key not in self.obj:
            raise InputError(self.source, f"missing field '{self._name(key)}'")
        return self.obj[key]

    def child(self, key: str) -> "FieldReader":
        return FieldReader(self.source, self.raw(key), self._name(key))

    def items(self, key: str) -> list[Any]:
        value = self.raw(key)
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list, got {_kind(value)}")
        return value

    def entries(self, key: str, optional: bool = False) -> list["FieldReader"]:
        """A list of objects as readers whose errors name the item (`block.withdrawals[3]`);
        none where an optional field is absent."""
        if optional and not self.has(key):
            return []
        return [FieldReader(self.source, item, f"{self._name(key)}[{index}]")
                for index, item in enumerate(self.items(key))]

    def quantity(self, key: str, default: int | None = None) -> int:
        if default is not None and not self.has(key):
            return default
        return parse_quantity(self.raw(key), lambda msg: self.fail(key, msg))

    def data(self, key: str, size: int | None = None, default: bytes | None = None) -> bytes:
        if default is not None and not self.has(key):
            return default
        return parse_data(self.raw(key), size, lambda msg: self.fail(key, msg))

    def optional_data(self, key: str, size: int | None = None) -> bytes | None:
        return self.data(key, size) if self.has(key) else None


def _kind(value: Any) -> str:
    return type(value).__name__


def parse_quantity(value: Any, error: Any) -> int:
    """'0x1a' (or a plain int, or a decimal string as fixtures sometimes use) → int ≥ 0."""
    if isinstance(value, bool):
        raise error(f"expected a hex quantity, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text, 16) if text[:2].lower() == "0x" else int(text, 10)
        except ValueError:
            raise error(f"not a hex quantity: {value[:40]!r}") from None
    else:
        raise error(f"expected a hex quantity, got {_kind(value)}")
    if number < 0:
        raise error(f"negative quantity {number}")
    return number


def parse_data(value: Any, size: int | None, error: Any) -> bytes:
    """'0xabcd' → bytes, optionally of an exact size."""
    if not isinstance(value, str) or value[:2].lower() != "0x":
        raise error(f"expected 0x-prefixed hex data, got {str(value)[:40]!r}")
    try:
        data = bytes.fromhex(value[2:])
    except ValueError:
        raise error(f"not valid hex: {value[:40]!r}") from None
    if size is not None and len(data) != size:
        raise error(f"expected {size} bytes, got {len(data)}")
    return data
