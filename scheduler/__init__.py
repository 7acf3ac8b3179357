"""Schedule triggers: trigger state, sync to django-celery-beat, and the `scheduler.fire` task."""
