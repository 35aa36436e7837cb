"""A database made before the intake app keeps its practice pages and intake requests.

The models moved from the journal app to the intake app by state alone: the tables keep
their names, so `migrate` moves no row, and the content types (and the permissions that
hang off them) follow the models.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from alliance.web.intake.models import IntakeRequest, IntakeStatus, PracticePage
from tests.factories import make_organisation, make_user
from tests.migration_steps import executor_at_latest, latest, migrate

BEFORE = [("journal", "0002_shared_cache_table_for_rate_limits"), ("intake", None)]


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_from_before_the_move_keeps_pages_and_requests():
    organisation = make_organisation()
    coach = make_user(organisation, role="practitioner", username="coach")
    executor_at_latest()
    try:
        executor = migrate(BEFORE)
        old = executor.loader.project_state(BEFORE[:1]).apps
        with pytest.raises(LookupError):
            old.get_model("intake", "IntakeRequest")
        OldPage = old.get_model("journal", "PracticePage")
        OldRequest = old.get_model("journal", "IntakeRequest")
        page = OldPage.objects.create(
            organisation_id=organisation.pk, member_id=coach.pk, headline="Coach", published=True
        )
        request = OldRequest.objects.create(
            organisation_id=organisation.pk,
            practitioner_id=coach.pk,
            name="Old Request",
            contact="old@example.org",
            help_with="written before the move",
            consent_to_contact=True,
        )
        # An existing database has the content type of the model in its old app only (going
        # back, the migration has put it there).
        ContentType.objects.filter(app_label="intake").delete()
        old_type, _ = ContentType.objects.get_or_create(app_label="journal", model="intakerequest")

        migrate(latest())

        moved = IntakeRequest.objects.get(pk=request.pk)
        assert moved.public_id == request.public_id
        assert (moved.name, moved.contact) == ("Old Request", "old@example.org")
        assert moved.help_with == "written before the move"
        assert moved.status == IntakeStatus.PENDING and moved.practitioner == coach
        assert PracticePage.objects.get(pk=page.pk).headline == "Coach"
        assert ContentType.objects.get(pk=old_type.pk).app_label == "intake"
        assert not ContentType.objects.filter(app_label="journal", model="intakerequest").exists()
    finally:
        migrate(latest())
        ContentType.objects.clear_cache()
