"""Inputs as tasks see them: declared defaults filled in, SECRET values decrypted."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from executions.inputs.declared import declared_list
from executions.inputs.nesting import has_path, lookup, put


def with_defaults(
    declared: Iterable[Any] | None, execution_inputs: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The `inputs` template variable (Kestra's RunVariables): the execution's inputs plus the
    declared default of every input they lack; None when that leaves nothing (then `inputs`
    is not defined at all, and `{{ inputs.x }}` fails as in Kestra).

    Defaults are added as written in the flow, not coerced: executions created without typed
    inputs (flow triggers, tests with raw inputs) see them as Kestra does. Dotted ids nest.
    """
    result = copy.deepcopy(dict(execution_inputs or {}))
    for spec in declared_list(declared):
        input_id, default = str(spec["id"]), spec.get("defaults")
        if default is not None and not has_path(result, input_id):
            put(result, input_id, copy.deepcopy(default))
    return result or None


def decrypt_secrets(
    declared: Iterable[Any] | None,
    inputs: Mapping[str, Any] | None,
    decrypt: Callable[[str], str],
) -> dict[str, Any]:
    """A copy of `inputs` with each SECRET input's stored value decrypted (worker side).

    A value equal to the declared default is left alone: `with_defaults` adds defaults in
    clear text, and a ciphertext never equals its own clear text.
    """
    result = copy.deepcopy(dict(inputs or {}))
    for spec in declared_list(declared):
        if spec.get("type") != "SECRET":
            continue
        input_id = str(spec["id"])
        value = lookup(result, input_id)
        if isinstance(value, str) and value != spec.get("defaults"):
            put(result, input_id, decrypt(value))
    return result


def secret_values(declared: Iterable[Any] | None, inputs: Mapping[str, Any] | None) -> list[str]:
    """The clear-text values of SECRET inputs, for the log masker (after decrypt_secrets)."""
    values = []
    for spec in declared_list(declared):
        if spec.get("type") == "SECRET":
            value = lookup(inputs or {}, str(spec["id"]))
            if isinstance(value, str) and value:
                values.append(value)
    return values
