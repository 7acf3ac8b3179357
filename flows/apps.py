"""The flow repository app: flows with revisions, their API, admin and commands."""

from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "Flows"
