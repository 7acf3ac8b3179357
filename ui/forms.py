"""The run form generated from a flow's declared inputs; the execution service validates, and
its errors land on the field they name."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from executions import services
from kestra_site.errors import DomainError

_LOCAL_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
_LOCAL_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")
_TEXTAREA = {"JSON", "YAML", "ARRAY"}


def _text_default(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("JSON", "ARRAY") and not isinstance(value, str):
        return json.dumps(value, indent=2)
    if kind == "YAML" and not isinstance(value, str):
        import yaml

        return yaml.safe_dump(value, sort_keys=False)
    if kind == "DATETIME" and isinstance(value, str):
        return value.rstrip("Z")[:19]
    if kind == "BOOLEAN" or kind == "BOOL":
        return "true" if value in (True, "true") else "false" if value in (False, "false") else ""
    return value


def _field(declared: dict) -> forms.Field:
    kind = str(declared.get("type", "STRING")).upper()
    required = declared.get("required") is not False and declared.get("defaults") is None
    label = declared.get("displayName") or declared["id"]
    common: dict[str, Any] = {
        "required": False,  # the execution service decides, so every rule is Kestra's
        "label": label + (" *" if required else ""),
        "help_text": f"{kind}"
        + (f" · {declared['description']}" if declared.get("description") else ""),
        "initial": _text_default(declared.get("defaults"), kind),
    }
    if kind == "FILE":
        common.pop("initial")
        return forms.FileField(**common)
    if kind in ("SELECT", "ENUM"):
        values = [str(v) for v in declared.get("values") or []]
        return forms.ChoiceField(choices=[("", "—"), *[(v, v) for v in values]], **common)
    if kind == "MULTISELECT":
        values = [str(v) for v in declared.get("values") or declared.get("options") or []]
        initial = declared.get("defaults")
        common["initial"] = initial if isinstance(initial, list) else None
        return forms.MultipleChoiceField(
            choices=[(v, v) for v in values],
            widget=forms.SelectMultiple(attrs={"size": 5}),
            **common,
        )
    if kind in ("BOOLEAN", "BOOL"):
        return forms.ChoiceField(
            choices=[("", "—"), ("true", "true"), ("false", "false")], **common
        )
    widgets = {
        "INT": forms.NumberInput(attrs={"step": "1"}),
        "FLOAT": forms.NumberInput(attrs={"step": "any"}),
        "DATE": forms.DateInput(attrs={"type": "date"}),
        "TIME": forms.TimeInput(attrs={"type": "time", "step": "1"}),
        "DATETIME": forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
        "SECRET": forms.PasswordInput(render_value=True),
        "EMAIL": forms.TextInput(attrs={"type": "email"}),
        "URI": forms.TextInput(attrs={"type": "url"}),
        "DURATION": forms.TextInput(attrs={"placeholder": "PT5M"}),
    }
    if kind in _TEXTAREA:
        widget = forms.Textarea(attrs={"rows": 5, "placeholder": "JSON" if kind != "YAML" else ""})
    else:
        widget = widgets.get(kind, forms.TextInput())
    return forms.CharField(widget=widget, strip=False, **common)


class ExecuteForm(forms.Form):
    """One field per declared input, plus the execution's labels."""

    def __init__(self, declared: list[dict], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.declared = {d["id"]: d for d in declared if d.get("id")}
        for input_id, spec in self.declared.items():
            self.fields[input_id] = _field(spec)
        self.fields["_labels"] = forms.CharField(
            required=False,
            label="Labels",
            help_text="key:value, one per line",
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def raw_inputs(self) -> dict[str, Any]:
        """The values as the API would receive them from a multipart form."""
        raw: dict[str, Any] = {}
        for input_id, spec in self.declared.items():
            value = self.cleaned_data.get(input_id)
            kind = str(spec.get("type", "STRING")).upper()
            if value in (None, "", []):
                continue
            if kind == "DATETIME" and isinstance(value, str):
                if _LOCAL_MINUTES.match(value):
                    value += ":00Z"
                elif _LOCAL_SECONDS.match(value):
                    value += "Z"
            raw[input_id] = value
        return raw

    def labels(self) -> list[dict]:
        lines = [line.strip() for line in self.cleaned_data.get("_labels", "").splitlines()]
        return services.parse_labels([line for line in lines if line])

    def add_domain_error(self, error: DomainError) -> None:
        for violation in error.violations():
            path = violation.path or ""
            name = path.removeprefix("inputs.") if path.startswith("inputs.") else None
            if name and name in self.fields:
                self.add_error(name, violation.message)
            elif path == "labels":
                self.add_error("_labels", violation.message)
            else:
                self.add_error(None, f"{path}: {violation.message}" if path else violation.message)
