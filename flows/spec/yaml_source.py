"""Safe YAML loading for flow sources: size cap, standard tags only, bounded aliases, line map."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flows.spec.errors import Violation

MAX_SOURCE_BYTES = 1024 * 1024
MAX_DEPTH = 200
# Aliases may be reused, but the expanded document stays within this many nodes (or 10x its
# distinct nodes, whichever is larger): a "billion laughs" document stops after a few ms.
MIN_EXPANSION_BUDGET = 100_000
EXPANSION_FACTOR = 10

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = f"{_TAG}map", f"{_TAG}seq", f"{_TAG}merge"
# Standard tags whose value is kept as its text (Jackson reads dates and binaries as strings).
_AS_TEXT = {_STR, f"{_TAG}timestamp", f"{_TAG}binary"}


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core schema scalars (no `yes`/`on` booleans, no implicit dates), plus `<<`."""


for _tag, _pattern, _first in (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (_NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (_MERGE, r"^<<$", "<"),
):
    _Resolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))

try:  # libyaml's C parser and composer; resolution stays in Python (_Resolver)
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = None


if _Parser is not None:

    class _Composer(_Parser, _Resolver):  # type: ignore[valid-type,misc]
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML without libyaml

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        _Resolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Resolver.__init__(self)


@dataclass
class LoadedSource:
    """A parsed YAML document: its data, a map from Kestra-style paths to 1-based lines."""

    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def line_of(self, path: str) -> int | None:
        """The line of `path`, or of its nearest ancestor known to the map."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = parent_path(path)


def parent_path(path: str) -> str:
    """`tasks[2].then[0]` -> `tasks[2].then` -> `tasks[2]` -> `tasks` -> ``."""
    if path.endswith("]"):
        return path[: path.rindex("[")]
    dot = path.rfind(".")
    return path[:dot] if dot >= 0 else ""


def child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Refused(Exception):
    def __init__(self, path: str, message: str, line: int | None) -> None:
        super().__init__(message)
        self.violation = Violation(path, message, line)


def decode_source(source: str | bytes) -> tuple[str | None, Violation | None]:
    """Check the size cap and decode bytes as UTF-8."""
    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "replace"))
    if size > MAX_SOURCE_BYTES:
        return None, Violation(
            "",
            f"Flow source is too large: {size} bytes, at most "
            f"{MAX_SOURCE_BYTES} bytes are accepted",
        )
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return None, Violation("", f"Flow source is not valid UTF-8: {error}")
    return source, None


def load_yaml(source: str | bytes) -> LoadedSource:
    """Parse one YAML document safely; problems come back as violations, never as exceptions."""
    loaded = LoadedSource()
    text, refused = decode_source(source)
    if refused is not None or text is None:
        loaded.violations.append(refused or Violation("", "Unreadable flow source"))
        return loaded
    try:
        composer = _Composer(text)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
    except yaml.MarkedYAMLError as error:
        loaded.violations.append(_yaml_error(error))
        return loaded
    except yaml.YAMLError as error:
        loaded.violations.append(Violation("", f"Invalid YAML: {error}"))
        return loaded
    except RecursionError:
        loaded.violations.append(Violation("", "Invalid YAML: the document nests too deeply"))
        return loaded
    if node is None:
        return loaded
    loaded.lines[""] = node.start_mark.line + 1
    try:
        loaded.data = _Builder(node, loaded.lines).build()
    except _Refused as refusal:
        loaded.violations.append(refusal.violation)
    return loaded


def _yaml_error(error: yaml.MarkedYAMLError) -> Violation:
    mark = error.problem_mark or error.context_mark
    parts = [p for p in (error.context, error.problem) if p]
    message = "Invalid YAML: " + (", ".join(parts) if parts else str(error))
    if mark is not None:
        message += f" (line {mark.line + 1}, column {mark.column + 1})"
    return Violation("", message, mark.line + 1 if mark is not None else None)


def _count_nodes(root: Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return len(seen)


class _Builder:
    """Turns composed nodes into plain Python data, recording each path's line."""

    def __init__(self, root: Node, lines: dict[str, int]) -> None:
        self.root = root
        self.lines = lines
        self.budget = max(MIN_EXPANSION_BUDGET, EXPANSION_FACTOR * _count_nodes(root))
        self.active: set[int] = set()

    def build(self) -> Any:
        return self._node(self.root, "", 0)

    def _line(self, node: Node) -> int:
        return int(node.start_mark.line) + 1

    def _node(self, node: Node, path: str, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _Refused(
                path, "YAML aliases expand to too many nodes (alias bomb?)", self._line(node)
            )
        if depth > MAX_DEPTH:
            raise _Refused(path, f"YAML nesting deeper than {MAX_DEPTH} levels", self._line(node))
        if id(node) in self.active:
            raise _Refused(path, "Recursive YAML alias: a node contains itself", self._line(node))
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, path, {_SEQ})
                result: list[Any] = []
                for index, item in enumerate(node.value):
                    item_path = child_path(path, index)
                    self.lines.setdefault(item_path, self._line(item))
                    result.append(self._node(item, item_path, depth + 1))
                return result
            self._check_tag(node, path, {_MAP})
            return self._mapping(node, path, depth)
        finally:
            self.active.discard(id(node))

    def _check_tag(self, node: Node, path: str, allowed: set[str]) -> None:
        if node.tag not in allowed:
            raise _Refused(
                path,
                f"Unsupported YAML tag '{node.tag}': only the standard tags are accepted",
                self._line(node),
            )

    def _mapping(self, node: MappingNode, path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                merged.update(self._merge_sources(value_node, path, depth))
                continue
            if not isinstance(key_node, ScalarNode):
                raise _Refused(path, "Mapping keys must be scalars", self._line(key_node))
            self._check_tag(key_node, path, _AS_TEXT | {_INT, _FLOAT, _BOOL, _NULL})
            key = key_node.value
            key_path = child_path(path, key)
            if key in result:
                raise _Refused(key_path, f"Duplicate field '{key}'", self._line(key_node))
            self.lines[key_path] = self._line(key_node)
            result[key] = self._node(value_node, key_path, depth + 1)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def _merge_sources(self, node: Node, path: str, depth: int) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):  # earlier sources win
            value = self._node(source, path, depth + 1)
            if not isinstance(value, dict):
                raise _Refused(path, "A merge key `<<` must refer to mappings", self._line(node))
            merged.update(value)
        return merged

    def _scalar(self, node: ScalarNode, path: str) -> Any:
        tag, text = node.tag, node.value
        try:
            if tag in _AS_TEXT:
                return text
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return text.lower() == "true"
            if tag == _INT:
                return _to_int(text)
            if tag == _FLOAT:
                return _to_float(text)
        except ValueError:
            raise _Refused(
                path, f"Invalid {tag.removeprefix(_TAG)} value: {text!r}", self._line(node)
            ) from None
        raise _Refused(
            path,
            f"Unsupported YAML tag '{tag}': only the standard tags are accepted",
            self._line(node),
        )


def _to_int(text: str) -> int:
    cleaned = text.replace("_", "")
    if cleaned.startswith(("0o", "0x")):
        return int(cleaned, 0)
    return int(cleaned, 10)


def _to_float(text: str) -> float:
    lowered = text.lower().lstrip("+")
    if lowered in (".inf", "-.inf"):
        return float(lowered.replace(".", ""))
    if lowered == ".nan":
        return float("nan")
    return float(text.replace("_", ""))
