"""Processes and memory as Linux's /proc shows them, for the fault, interrupt and leak tests."""

from pathlib import Path


def _stat(pid) -> list[bytes] | None:
    """/proc/PID/stat's fields after the command name (state first), None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except OSError:
        return None


def descendants(pid: int) -> dict[int, int]:
    """Every process below `pid`, with its generation (1: a child)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else None
        if fields:
            parents[int(entry.name)] = int(fields[1])
    found: dict[int, int] = {}
    frontier, generation = {pid}, 0
    while frontier:
        generation += 1
        frontier = {child for child, parent in parents.items() if parent in frontier} - found.keys()
        found.update(dict.fromkeys(frontier, generation))
    return found


def running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != b"Z"  # a zombie has stopped; only its reaping is left


def status_kib(field: str, pid="self") -> int:
    """A memory figure of /proc/PID/status in KiB: VmRSS (resident now), VmHWM (its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"no {field} in /proc/{pid}/status")
