"""Stopping a running attempt: the worker cancels (timeout, kill), runnables say how to stop."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancel:
    """Set once when the attempt must stop; callbacks registered by runnables run then."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: str | None = None
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` on cancel (at once if already cancelled); returns its remover."""
        with self._lock:
            if not self.event.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        callback()
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def cancel(self, reason: str) -> None:
        with self._lock:
            if self.event.is_set():
                return
            self.reason = reason
            self.event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def sleep(self, seconds: float) -> None:
        """Sleep that a cancel interrupts."""
        self.event.wait(max(seconds, 0.0))
