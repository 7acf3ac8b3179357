"""The JSON Schema of the flow language."""

from __future__ import annotations

import pytest

from flows.spec import flow_json_schema, registry
from flows.spec.schema import JSON_SCHEMA_DIALECT
from tests.flows.spec.conftest import LOG, flow_yaml


@pytest.fixture(scope="module")
def schema():
    return flow_json_schema()


def _type_names(schema: dict) -> set[str]:
    return {
        name
        for definition in schema["$defs"].values()
        for name in definition.get("properties", {}).get("type", {}).get("enum", [])
    }


def test_it_is_a_valid_draft_2020_12_schema(schema):
    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)


def test_it_names_every_registered_type_and_alias(schema):
    names = _type_names(schema)
    for category in ("task", "trigger", "condition"):
        assert set(registry.names(category)) <= names


def test_task_lists_refer_to_the_union_of_task_types(schema):
    assert schema["properties"]["tasks"]["items"] == {"$ref": "#/$defs/Task"}
    assert len(schema["$defs"]["Task"]["oneOf"]) == len(registry.task_types())
    assert schema["properties"]["triggers"]["anyOf"][0]["items"] == {"$ref": "#/$defs/Trigger"}
    sequential = next(
        d
        for d in schema["$defs"].values()
        if d.get("title") == "io.kestra.plugin.core.flow.Sequential"
    )
    assert sequential["properties"]["tasks"]["items"] == {"$ref": "#/$defs/Task"}
    assert sequential["additionalProperties"] is False
    assert set(sequential["required"]) >= {"id", "type"}


def test_properties_use_kestras_names(schema):
    assert {"pluginDefaults", "afterExecution", "finally", "workerGroup", "taskDefaults"} <= set(
        schema["properties"]
    )
    retry = schema["$defs"]["Retry"]["properties"]
    assert {"maxAttempts", "maxAttempt", "maxInterval", "warningOnRetry"} <= set(retry)
    log = next(
        d for d in schema["$defs"].values() if d.get("title") == "io.kestra.plugin.core.log.Log"
    )
    assert {"runIf", "allowFailure", "logToFile", "timeout"} <= set(log["properties"])


def test_the_schema_judges_like_the_validator():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(flow_json_schema())
    good = yaml.safe_load(flow_yaml(LOG, extra="labels: {team: a}\n"))
    assert list(validator.iter_errors(good)) == []
    typo = yaml.safe_load(flow_yaml(LOG.replace("message", "mesage")))
    assert list(validator.iter_errors(typo))
    unknown = yaml.safe_load(flow_yaml(LOG.replace("log.Log", "log.Nope")))
    assert list(validator.iter_errors(unknown))


def test_the_schema_is_a_fresh_copy_each_time(schema):
    schema["properties"].clear()
    assert flow_json_schema()["properties"]
