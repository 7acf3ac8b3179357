"""Edits to a flow's YAML text that keep everything else byte for byte (comments included)."""

import re

_TOP_LEVEL_DISABLED = re.compile(r"^disabled:[^\n#]*(?P<comment>#[^\n]*)?$", re.MULTILINE)


def set_disabled(source: str, disabled: bool) -> str:
    """Return the source with its top-level `disabled:` set, as Kestra does when toggling a flow."""
    value = "true" if disabled else "false"
    match = _TOP_LEVEL_DISABLED.search(source)
    if match:
        comment = match.group("comment")
        line = f"disabled: {value}" + (f" {comment}" if comment else "")
        return source[: match.start()] + line + source[match.end() :]
    if not disabled:
        return source
    separator = "" if source.endswith("\n") or not source else "\n"
    return f"{source}{separator}disabled: true\n"


_TRIGGERS = re.compile(r"^triggers:[ \t]*(#[^\n]*)?$")
_ITEM = re.compile(r"^(?P<indent>[ \t]*)- ")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_value(line: str, key: str) -> str | None:
    match = re.match(rf"^\s*(?:- )?{key}:\s*(?P<value>[^#]*?)\s*(#.*)?$", line)
    return match.group("value").strip("'\"") if match else None


def set_trigger_disabled(source: str, trigger_id: str, disabled: bool) -> str:
    """Return the source with `disabled:` of one trigger set (added after its `id:` when
    absent). Raises KeyError when the flow has no trigger with that id."""
    lines = source.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _TRIGGERS.match(line.rstrip("\n"))), None)
    if start is None:
        raise KeyError(trigger_id)
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.lstrip().startswith("#") and not line[0].isspace():
            if not line.startswith("-"):
                break
        end += 1
    items = [i for i in range(start + 1, end) if _ITEM.match(lines[i])]
    if not items:
        raise KeyError(trigger_id)
    outer = min(_indent(lines[i]) for i in items)
    starts = [i for i in items if _indent(lines[i]) == outer]
    value = "true" if disabled else "false"
    for n, first in enumerate(starts):
        last = starts[n + 1] if n + 1 < len(starts) else end
        key_indent = " " * (outer + 2)
        block = range(first, last)
        own = [i for i in block if i == first or _indent(lines[i]) == len(key_indent)]
        id_line = next((i for i in own if _key_value(lines[i], "id") == trigger_id), None)
        if id_line is None:
            continue
        current = next((i for i in own if _key_value(lines[i], "disabled") is not None), None)
        if current is not None:
            lines[current] = re.sub(
                r"disabled:\s*[^#\n]*?(\s*#.*)?(\n?)$",
                lambda m: f"disabled: {value}" + (m.group(1) or "") + m.group(2),
                lines[current],
            )
        else:
            newline = "" if lines[id_line].endswith("\n") else "\n"
            lines.insert(id_line + 1, f"{newline}{key_indent}disabled: {value}\n")
        return "".join(lines)
    raise KeyError(trigger_id)
