"""Functions backed by the caller's I/O hooks: read, fileSize, kv, secret, errorLogs..."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from executions.templating.errors import RenderError, SandboxViolation
from executions.templating.filters.text import slugify
from executions.templating.registry import register_function
from executions.templating.state import State

KESTRA_SCHEME = "kestra:///"


def _map(state: State, name: str) -> Mapping[str, Any]:
    value = state.variable(name)
    return value if isinstance(value, Mapping) else {}


def _belongs(uri: str, namespace: Any, flow_id: Any, execution_id: Any) -> bool:
    if not namespace or not flow_id or not execution_id:
        return False
    folder = str(namespace).replace(".", "/")
    base = f"{KESTRA_SCHEME}{folder}/{slugify(str(flow_id))}/executions/{execution_id}/"
    return uri.startswith(base) and "/../" not in uri[len(base) - 1 :]


def check_execution_file(state: State, uri: str) -> None:
    """Kestra's rule: a template reads files of its own execution (or the triggering one)."""
    flow, execution, trigger = _map(state, "flow"), _map(state, "execution"), _map(state, "trigger")
    if _belongs(uri, flow.get("namespace"), flow.get("id"), execution.get("id")):
        return
    if _belongs(uri, trigger.get("namespace"), trigger.get("flowId"), trigger.get("executionId")):
        return
    raise RenderError(
        f"Unable to read the file '{uri}' as it didn't belong to the current execution"
    )


def _namespace_path(path: str) -> str:
    path = path.removeprefix("/")
    if ".." in path.split("/"):
        raise SandboxViolation(f"Path '{path}' is not allowed: it must not contain '..'")
    return path


def _execution_uri(state: State, path: Any, function: str) -> str:
    if not isinstance(path, str) or not path.startswith(KESTRA_SCHEME):
        raise RenderError(f"Unable to create the URI from the path {path}")
    check_execution_file(state, path)
    return path


@register_function("read")
def read(state: State, path: Any = None) -> Any:
    if path is None:
        raise RenderError(
            "The 'read' function expects an argument 'path' that is a path to a namespace file"
            " or an internal storage URI."
        )
    if not isinstance(path, str):
        raise RenderError(f"Unable to read the file {path}")
    hook = state.functions.hook("read", "read")
    if path.startswith(KESTRA_SCHEME):
        return hook(_execution_uri(state, path, "read"))
    return hook(_namespace_path(path))


@register_function("fileSize")
def file_size(state: State, path: Any = None) -> int:
    hook = state.functions.hook("file_size", "fileSize")
    return int(hook(_execution_uri(state, path, "fileSize")))


@register_function("isFileEmpty")
def is_file_empty(state: State, path: Any = None) -> bool:
    return file_size(state, path) == 0


@register_function("fileExists")
def file_exists(state: State, path: Any = None) -> bool:
    hook = state.functions.hook("file_exists", "fileExists")
    if isinstance(path, str) and not path.startswith(KESTRA_SCHEME):
        return bool(hook(_namespace_path(path)))
    return bool(hook(_execution_uri(state, path, "fileExists")))


@register_function("fileURI")
def file_uri(state: State, path: Any = None) -> str:
    if not isinstance(path, str):
        raise RenderError(
            "The 'fileURI' function expects an argument 'path' that is a path to a namespace file."
        )
    namespace = str(_map(state, "flow").get("namespace", ""))
    return f"{KESTRA_SCHEME}{namespace.replace('.', '/')}/_files/{_namespace_path(path)}"


@register_function("kv")
def kv(state: State, key: Any = None, namespace: Any = None, errorOnMissing: Any = None) -> Any:
    """A KV value; a missing key is null unless `errorOnMissing` is true (as in Kestra)."""
    if key is None:
        raise RenderError("The 'kv' function expects an argument 'key'.")
    hook = state.functions.hook("kv", "kv")
    error_on_missing = errorOnMissing is True
    value = hook(str(key), namespace, error_on_missing)
    if value is None and error_on_missing:
        where = namespace or _map(state, "flow").get("namespace")
        raise RenderError(f"The key '{key}' does not exist in the namespace '{where}'.")
    return value


@register_function("secret")
def secret(state: State, key: Any = None) -> Any:
    if key is None:
        raise RenderError("The 'secret' function expects an argument 'key'.")
    value = state.functions.hook("secret", "secret")(str(key))
    if value is None:
        raise RenderError(f"Cannot find secret for key '{key}'.")
    return value


@register_function("errorLogs")
def error_logs(state: State) -> list[dict[str, Any]]:
    return list(state.functions.hook("error_logs", "errorLogs")())
