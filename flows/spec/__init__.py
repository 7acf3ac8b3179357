"""The flow spec: Kestra flow YAML -> typed, validated models, JSON Schema, type registry."""

from flows.spec.common import Label, NamespaceFiles, Retry, WorkerGroup
from flows.spec.documents import split_documents
from flows.spec.durations import parse_duration
from flows.spec.errors import FlowSpecError, Violation
from flows.spec.flow import SLA, Concurrency, Flow, Listener, Output, PluginDefault
from flows.spec.inputs import INPUT_CLASSES, Input
from flows.spec.plugins import (
    AnyCondition,
    AnyTask,
    AnyTrigger,
    Condition,
    ExecutableTask,
    FlowableTask,
    Plugin,
    RunnableTask,
    Task,
    Trigger,
)
from flows.spec.registry import ENTRY_POINT_GROUP, TypeRegistry, registry
from flows.spec.schema import flow_json_schema
from flows.spec.types import Duration, Dynamic, DynDuration, is_template
from flows.spec.validation import ValidationContext, ValidationReport, parse_flow, validate_flow
from flows.spec.yaml_source import MAX_SOURCE_BYTES

__all__ = [
    "ENTRY_POINT_GROUP",
    "INPUT_CLASSES",
    "MAX_SOURCE_BYTES",
    "SLA",
    "AnyCondition",
    "AnyTask",
    "AnyTrigger",
    "Concurrency",
    "Condition",
    "Duration",
    "DynDuration",
    "Dynamic",
    "ExecutableTask",
    "Flow",
    "FlowSpecError",
    "FlowableTask",
    "Input",
    "Label",
    "Listener",
    "NamespaceFiles",
    "Output",
    "Plugin",
    "PluginDefault",
    "Retry",
    "RunnableTask",
    "Task",
    "Trigger",
    "TypeRegistry",
    "ValidationContext",
    "ValidationReport",
    "Violation",
    "WorkerGroup",
    "flow_json_schema",
    "is_template",
    "parse_duration",
    "parse_flow",
    "registry",
    "split_documents",
    "validate_flow",
]
