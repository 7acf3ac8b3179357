"""Around one attempt on a worker: secret masking, the task's timeout, and stopping on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from flows.spec.durations import parse_duration
from workers.plugins.cancel import Cancel
from workers.plugins.process import kill_all_groups

MASK = "******"


class SecretMask:
    """The secret values resolved during a run; every log line and output hides them."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def remember(self, value: str) -> str:
        if value:
            self.values.add(value)
        return value

    def text(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, MASK)
        return text

    def value(self, value: Any) -> Any:
        if not self.values:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def log(self, log: Callable[[str, str], None]) -> Callable[[str, str], None]:
        return lambda level, message: log(level, self.text(message))


def timeout_seconds(raw: Any) -> float | None:
    """The task's `timeout` (ISO-8601) in seconds; None when absent or unreadable."""
    if not raw or not isinstance(raw, str) or "{{" in raw:
        return None
    try:
        return parse_duration(raw).total_seconds()
    except ValueError:
        return None


def timeout_message(seconds: float) -> str:
    """Kestra's message: `Timeout after HH:mm:ss.SSS`."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"Timeout after {hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


@contextlib.contextmanager
def guarded(cancel: Cancel, timeout: float | None) -> Iterator[None]:
    """Cancel with reason "timeout" when the timeout passes; on SIGTERM (a Celery revoke with
    terminate), kill this process's script process groups, then let the signal do its work."""
    timer = None
    if timeout is not None:
        timer = threading.Timer(max(timeout, 0.0), cancel.cancel, args=("timeout",))
        timer.daemon = True
        timer.start()
    previous = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:

        def on_term(signum: int, frame: Any) -> None:
            cancel.cancel("killed")
            kill_all_groups()
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
        if in_main:
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
