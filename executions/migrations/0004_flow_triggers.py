from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("executions", "0003_taskrun_status_reason"),
    ]

    operations = [
        migrations.CreateModel(
            name="FlowTriggerFired",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_execution_id", models.CharField(max_length=32)),
                ("source_step", models.PositiveIntegerField()),
                ("namespace", models.CharField(max_length=150)),
                ("flow_id", models.CharField(max_length=100)),
                ("trigger_id", models.CharField(max_length=100)),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "source_execution_id",
                            "source_step",
                            "namespace",
                            "flow_id",
                            "trigger_id",
                        ),
                        name="flow_trigger_fired_once",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="FlowTriggerWindow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("namespace", models.CharField(max_length=150)),
                ("flow_id", models.CharField(max_length=100)),
                ("trigger_id", models.CharField(max_length=100)),
                ("condition_id", models.CharField(max_length=100)),
                ("start", models.DateTimeField()),
                ("end", models.DateTimeField()),
                ("results", models.JSONField(default=dict)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("namespace", "flow_id", "trigger_id", "condition_id"),
                        name="flow_trigger_window_unique",
                    )
                ],
            },
        ),
    ]
