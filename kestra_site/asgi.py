"""ASGI entry point (uvicorn), needed for long-lived event streams."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kestra_site.settings")
# PostgreSQL connections from a pool here (see settings: DATABASE_POOL); 0 turns it off.
os.environ.setdefault("DATABASE_POOL", "20")
application = get_asgi_application()
