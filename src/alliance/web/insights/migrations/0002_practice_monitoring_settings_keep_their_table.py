"""Rename the model MonitoringSettings to PracticeMonitoringSettings, keeping its table.

The old name clashed with the engine's dataclass `alliance.monitoring.MonitoringSettings`.
The table is pinned to its old name first, so the rename moves no data (no SQL at all);
the content type is renamed with the model, and the admin keeps its "monitoring settings".
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_alerts_monitoring_settings_and_fitted_models")]

    operations = [
        migrations.AlterModelTable(name="MonitoringSettings", table="insights_monitoringsettings"),
        migrations.RenameModel(
            old_name="MonitoringSettings", new_name="PracticeMonitoringSettings"
        ),
        migrations.AlterModelOptions(
            name="practicemonitoringsettings",
            options={
                "verbose_name": "monitoring settings",
                "verbose_name_plural": "monitoring settings",
            },
        ),
    ]
