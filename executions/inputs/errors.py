"""Input errors as values: one violation per input, with Kestra's message."""

from __future__ import annotations

from flows.spec.errors import Violation


class InputError(Exception):
    """Execution inputs were refused; `violations` names every faulty input (`inputs.<id>`).

    `str()` reads like Kestra's ConstraintViolationException: `<id>: <message>`, comma-joined.
    """

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = list(violations)
        super().__init__(str(self))

    def __str__(self) -> str:
        return ", ".join(f"{v.path.removeprefix('inputs.')}: {v.message}" for v in self.violations)


class InvalidValue(Exception):
    """A value that cannot be used; Kestra wraps the message as
    "Invalid input for `id`, <message>, but received `<raw value>`"."""


class InputProblem(Exception):
    """An input that cannot be resolved for another reason; the message is used as is."""
