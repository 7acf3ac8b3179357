"""Flowable and executable core tasks (io.kestra.plugin.core.flow.*)."""

from flows.spec.core.flow.branching import (
    AllowFailure,
    Dag,
    DagTask,
    If,
    Parallel,
    Sequential,
    Switch,
)
from flows.spec.core.flow.loops import EachParallel, EachSequential, ForEach, LoopUntil, WaitFor
from flows.spec.core.flow.pause import Pause, Sleep
from flows.spec.core.flow.subflows import ForEachItem, Subflow, Template
from flows.spec.core.flow.working_directory import WorkingDirectory

TYPES = (
    Sequential,
    Parallel,
    AllowFailure,
    If,
    Switch,
    Dag,
    ForEach,
    EachSequential,
    EachParallel,
    WaitFor,
    LoopUntil,
    Pause,
    Sleep,
    Subflow,
    ForEachItem,
    Template,
    WorkingDirectory,
)

__all__ = [
    "TYPES",
    "AllowFailure",
    "Dag",
    "DagTask",
    "EachParallel",
    "EachSequential",
    "ForEach",
    "ForEachItem",
    "If",
    "LoopUntil",
    "Parallel",
    "Pause",
    "Sequential",
    "Sleep",
    "Subflow",
    "Switch",
    "Template",
    "WaitFor",
    "WorkingDirectory",
]
