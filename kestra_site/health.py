"""Health check: unauthenticated, answers whether the database is reachable."""

from django.db import connection
from django.http import JsonResponse


def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "UP"
    except Exception:  # any database failure means DOWN, whatever the driver raised
        database = "DOWN"
    status = "UP" if database == "UP" else "DOWN"
    return JsonResponse(
        {"status": status, "components": {"db": {"status": database}}},
        status=200 if status == "UP" else 503,
    )
