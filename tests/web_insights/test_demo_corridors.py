"""The demo practice has enough completed episodes for fitted recovery corridors, and its
preparation fits them, so its client pages show what a practice of that size would."""

from __future__ import annotations

from django.urls import reverse

from alliance.web.demo import load_demo
from alliance.web.insights.models import Alert, AlertState, AlertType, StoredRecoveryModel


def test_the_demo_fits_its_recovery_corridors(db, client):
    organisation = load_demo()
    fitted = dict(
        StoredRecoveryModel.objects.filter(organisation=organisation).values_list(
            "instrument_id", "n_episodes"
        )
    )
    assert set(fitted) == {"phq9", "gad7"}
    assert min(fitted.values()) >= 50
    # The not-on-track story still raises its alert against the fitted corridor.
    alert = Alert.objects.get(
        organisation=organisation, type=AlertType.NOT_ON_TRACK, state=AlertState.OPEN
    )
    client.force_login(alert.episode.practitioner)
    page = client.get(reverse("client", kwargs={"client_id": alert.episode.client.public_id}))
    text = page.content.decode()
    assert "Expected-recovery corridor (empirical)" in text
    assert "Rational rule" not in text
