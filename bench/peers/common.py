"""Shared output format of the peer drivers.

Every driver prints exactly one JSON object on stdout: the counts the harness
compares across tools, plus a digest over every value the tool produced, so a
driver cannot skip work without the digest changing.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import traceback


class Facts:
    def __init__(self, tool: str, task: str, path: str):
        self.out: dict = {"tool": tool, "task": task, "file": path}
        self._h = hashlib.sha256()

    def feed(self, *values) -> None:
        """Add values to the digest (strings, bytes, ints, None, iterables)."""
        for v in values:
            if v is None:
                self._h.update(b"\x00")
            elif isinstance(v, bytes):
                self._h.update(v)
            elif isinstance(v, (list, tuple, set, frozenset)):
                items = sorted(v, key=repr) if isinstance(v, (set, frozenset)) else v
                for x in items:
                    self.feed(x)
            else:
                self._h.update(str(v).encode("utf-8", "surrogatepass"))
            self._h.update(b"\x1f")

    def set(self, key: str, value) -> None:
        self.out[key] = value
        self.feed(key, value if not isinstance(value, (list, set)) else list(value))

    def emit(self) -> None:
        self.out["digest"] = self._h.hexdigest()[:16]
        sys.stdout.write(json.dumps(self.out, sort_keys=True) + "\n")


def main_wrapper(tool: str, run) -> int:
    """argv: TASK FILE (or `startup`). Exit 0 with facts, 2 on a parse error, 3 on MemoryError."""
    if len(sys.argv) == 2 and sys.argv[1] == "startup":
        # Interpreter start + imports only: the fixed cost in every measurement.
        sys.stdout.write(json.dumps({"tool": tool, "task": "startup"}) + "\n")
        return 0
    if len(sys.argv) != 3 or sys.argv[1] not in ("A", "B"):
        sys.stderr.write(f"usage: {sys.argv[0]} startup | A|B FILE\n")
        return 64
    task, path = sys.argv[1], sys.argv[2]
    limit_mb = os.environ.get("BENCH_MEM_LIMIT_MB", "")
    if limit_mb.isdigit() and int(limit_mb) > 0:
        # Address-space cap set by the harness: a runaway parse raises
        # MemoryError (reported as "oom") instead of starving the machine.
        lim = int(limit_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    facts = Facts(tool, task, path)
    try:
        run(task, path, facts)
    except MemoryError:
        sys.stdout.write(json.dumps({"tool": tool, "task": task, "file": path, "error": "MemoryError"}) + "\n")
        return 3
    except Exception as e:  # noqa: BLE001 - report any peer failure as a result
        sys.stderr.write(traceback.format_exc())
        msg = f"{type(e).__name__}: {e}"[:300]
        sys.stdout.write(json.dumps({"tool": tool, "task": task, "file": path, "error": msg}) + "\n")
        return 2
    facts.emit()
    return 0
