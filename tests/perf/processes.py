"""What the benchmarks read of a worker's processes: its pool process and their memory."""

import time
from pathlib import Path


def proc_kb(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status in kB: VmRSS now, VmHWM its peak."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def pool_child(pid: int, timeout: float = 60) -> int:
    """The worker's pool process (the log the workers share may say "ready" before it is)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = children.read_text().split()
        if found:
            time.sleep(2)  # let the child finish importing before it is measured idle
            return int(found[0])
        time.sleep(0.2)
    raise RuntimeError("the worker started no pool process")
