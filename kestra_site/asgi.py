"""ASGI entry point (uvicorn), needed for long-lived event streams."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kestra_site.settings")
application = get_asgi_application()
