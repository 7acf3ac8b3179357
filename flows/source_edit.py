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
