"""Retry policies (constant, exponential, random) and when the next attempt is due."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from executions.engine.model import TaskRun
from executions.engine.plan import FlowPlan, Node
from flows.spec.durations import parse_duration

RETRY_FAILED_TASK = "RETRY_FAILED_TASK"
CREATE_NEW_EXECUTION = "CREATE_NEW_EXECUTION"


def policy_for(plan: FlowPlan, node: Node) -> dict[str, Any] | None:
    """The task's retry, else the nearest ancestor's, else the flow's (as Kestra looks it up)."""
    current: Node | None = node
    while current is not None:
        if current.retry:
            return current.retry
        current = current.parent
    return plan.retry or None


def max_attempts(policy: dict[str, Any]) -> int | None:
    value = policy.get("maxAttempts", policy.get("maxAttempt"))
    return int(value) if value is not None else None


def behavior(policy: dict[str, Any]) -> str:
    return str(policy.get("behavior") or RETRY_FAILED_TASK)


def _duration(policy: dict[str, Any], key: str) -> timedelta | None:
    value = policy.get(key)
    return parse_duration(value) if value else None


def delay(policy: dict[str, Any], attempt_count: int) -> timedelta:
    """The wait before the next attempt, after `attempt_count` attempts."""
    kind = policy.get("type")
    if kind == "exponential":
        interval = _duration(policy, "interval") or timedelta(0)
        factor = int(policy.get("delayFactor") or 2)
        wait = interval * (factor * (attempt_count - 1))
        ceiling = _duration(policy, "maxInterval")
        return min(wait, ceiling) if ceiling is not None else wait
    if kind == "random":
        low = _duration(policy, "minInterval") or timedelta(0)
        high = _duration(policy, "maxInterval") or low
        return low + (high - low) * random.random()  # noqa: S311 - jitter, not security
    return _duration(policy, "interval") or timedelta(0)


def next_retry_date(policy: dict[str, Any], task_run: TaskRun) -> datetime | None:
    """When to start the next attempt of this task run, or None when retries are exhausted."""
    attempts = task_run.attempts
    limit = max_attempts(policy)
    if not attempts or (limit is not None and len(attempts) >= limit):
        return None
    base = attempts[-1].state.histories[-1].date
    nxt = base + delay(policy, len(attempts))
    ceiling = _duration(policy, "maxDuration")
    if ceiling is not None and nxt > attempts[0].state.histories[0].date + ceiling:
        return None
    return nxt


def next_execution_date(
    policy: dict[str, Any], attempt_number: int, start: datetime, now: datetime
) -> datetime | None:
    """CREATE_NEW_EXECUTION: when to start attempt `attempt_number + 1`, or None."""
    limit = max_attempts(policy)
    if limit is not None and attempt_number >= limit:
        return None
    nxt = now + delay(policy, attempt_number)
    ceiling = _duration(policy, "maxDuration")
    if ceiling is not None and nxt > start + ceiling:
        return None
    return nxt
