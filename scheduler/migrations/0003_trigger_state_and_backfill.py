# Trigger state kept apart from the flow source, and Kestra's backfill.

from django.db import migrations, models


def _disabled_came_from_the_source(apps, schema_editor):
    """Until now `disabled` could only come from the flow source: move it where it belongs."""
    Trigger = apps.get_model("scheduler", "Trigger")
    Trigger.objects.filter(disabled=True).update(source_disabled=True, disabled=False)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduler", "0002_trigger_kind_and_polling_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="trigger",
            name="disabled_reason",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddField(
            model_name="trigger",
            name="source_disabled",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="trigger",
            name="backfill",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(_disabled_came_from_the_source, migrations.RunPython.noop),
    ]
