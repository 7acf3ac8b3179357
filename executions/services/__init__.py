"""Execution writes outside the executor's hop: creating executions and asking for changes.

State changes of an existing execution go through `executor.execution_process`, the one write
path, under the execution's row lock.
"""

from executions.services.actions import (
    execution_change_task_run_state,
    execution_kill,
    execution_pause,
    execution_replay,
    execution_restart,
    execution_resume,
    execution_resume_typed,
    execution_set_labels,
    execution_wait,
)
from executions.services.creation import (
    CORRELATION_ID,
    SYSTEM_PREFIX,
    execution_create,
    execution_create_child,
    execution_create_retry,
    parse_labels,
)
from executions.services.deletion import execution_delete, executions_delete, logs_delete

__all__ = [
    "CORRELATION_ID",
    "SYSTEM_PREFIX",
    "execution_change_task_run_state",
    "execution_create",
    "execution_create_child",
    "execution_create_retry",
    "execution_delete",
    "execution_kill",
    "execution_pause",
    "execution_replay",
    "execution_restart",
    "execution_resume",
    "execution_resume_typed",
    "execution_set_labels",
    "execution_wait",
    "executions_delete",
    "logs_delete",
    "parse_labels",
]
