"""A database made before the rename keeps each practice's monitoring settings.

The Django model MonitoringSettings became PracticeMonitoringSettings (the old name clashed
with the engine's dataclass); its table keeps its name, so no row moves.
"""

from __future__ import annotations

import pytest

from alliance.web.insights.models import PracticeMonitoringSettings
from tests.factories import make_organisation
from tests.migration_steps import executor_at_latest, latest, migrate

BEFORE = [("insights", "0001_alerts_monitoring_settings_and_fitted_models")]


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_from_before_the_rename_keeps_the_settings():
    organisation = make_organisation()
    executor_at_latest()
    try:
        old = migrate(BEFORE).loader.project_state(BEFORE).apps
        row = old.get_model("insights", "MonitoringSettings").objects.create(
            organisation_id=organisation.pk, settings={"k_alert": 2}, inbox_cap=7
        )

        migrate(latest())

        kept = PracticeMonitoringSettings.objects.get(pk=row.pk)
        assert (kept.organisation_id, kept.settings, kept.inbox_cap) == (
            organisation.pk,
            {"k_alert": 2},
            7,
        )
        assert PracticeMonitoringSettings._meta.db_table == "insights_monitoringsettings"
    finally:
        migrate(latest())
