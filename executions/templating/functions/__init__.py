"""Every function, registered by importing its module."""

from executions.templating.functions import context, core, storage

__all__ = ["context", "core", "storage"]
