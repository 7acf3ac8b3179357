"""The published OpenAPI schema, fuzzed by schemathesis against the WSGI app: no 5xx, and every
response matches the schema it is documented with."""

import base64

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

PASSWORD = "fuzz-pass-for-tests"


def _load_schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


# Every operation is fuzzed (positive and negative cases); none is left out.
schema = _load_schema()


@pytest.fixture
def auth_header(db, django_user_model):
    """A user, and the WSGI app kept inside the test's transaction: like Django's test client,
    requests must not close the connection the test database lives on."""
    # A superuser, so that namespace rights let every operation reach its view.
    django_user_model.objects.create_superuser(username="fuzzer", password=PASSWORD)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield "Basic " + base64.b64encode(f"fuzzer:{PASSWORD}".encode()).decode()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms(case, auth_header):
    case.call_and_validate(
        headers={"Authorization": auth_header},
        checks=[not_a_server_error, response_schema_conformance],
    )


def test_the_fuzzed_schema_is_the_served_one(auth_header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=auth_header)
    served = client.get("/api/v1/openapi.json", HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert sorted(served.json()["paths"]) == sorted(schema.raw_schema["paths"])
