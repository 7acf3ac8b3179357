"""Validation errors as values: a path into the flow, a message, and a line when known."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    """One problem in a flow: `path` is like `tasks[2].then[0].type` ("" for the whole document)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message, "line": self.line}


@dataclass
class FlowSpecError(Exception):
    """Raised when a flow source cannot be accepted; carries every violation found."""

    violations: list[Violation] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "\n".join(str(v) for v in self.violations)

    def __str__(self) -> str:
        return self.message
