"""Django project package; exposes the Celery app so `celery -A kestra_site` finds it."""

from .celery import app as celery_app

__all__ = ["celery_app"]
