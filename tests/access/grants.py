"""Namespaces on both sides of a prefix, a flow source, and clients for test users."""

import base64

from rest_framework.test import APIClient

# company.team.sub is under the prefix company.team; company.teamx and other are not.
NAMESPACES = ["company.team", "company.team.sub", "company.teamx", "other"]
PASSWORD = "s3cret-pass-for-tests"
SOURCE = """id: job
namespace: {namespace}
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hello from {namespace}
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
"""


def client_for(username: str) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client
