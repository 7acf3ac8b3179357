"""Every filter, registered by importing its module."""

from executions.templating.filters import collections, data, dates, text

__all__ = ["collections", "data", "dates", "text"]
