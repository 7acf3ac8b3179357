"""Named failure points, for the fault tests: a process started with `KESTRA_FAULT=<point>`
(or `<point>@<n>`: the n-th time) dies on the spot when it gets there, with no cleanup, as a
SIGKILL or a power cut would leave it. Unset, which is always the case outside the fault
tests, a point costs one comparison.

Points: `executor.before_commit` (decisions made, transaction not committed),
`executor.after_commit` (committed, no message of it published yet),
`executor.after_send` (published, the consumed message not yet acknowledged).
"""

from __future__ import annotations

import os
import threading

_name, _, _nth = os.environ.get("KESTRA_FAULT", "").partition("@")
_remaining = int(_nth or 1)
_lock = threading.Lock()


def point(name: str) -> None:
    global _remaining
    if not _name or name != _name:
        return
    with _lock:
        _remaining -= 1
        if _remaining > 0:
            return
    os._exit(137)
