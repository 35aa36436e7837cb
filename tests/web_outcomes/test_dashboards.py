"""What each dashboard shows: hand-worked counts, suppression, benchmarks, effects, no free text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from alliance.web.accounts.models import Role
from tests.factories import make_user
from tests.web_outcomes.helpers import OWNER_COUNTS, OWNER_EPISODES, add_episodes

pytestmark = pytest.mark.django_db

# the colleague's ten: all cases, half recover
COLLEAGUE_EPISODES = [(14, 6, 10, 4, 7.0)] * 5 + [(14, 13, 10, 9, 5.0)] * 5


@pytest.fixture
def practice(world):
    add_episodes(world.owner, OWNER_EPISODES)
    add_episodes(world.colleague, COLLEAGUE_EPISODES, service="counselling")
    return world


def _free_text(world) -> list[str]:
    return [
        "owner-referral-secret",
        "owner-note-secret",
        "colleague-note-secret",
        "Owner Clientname",
        "Colleague Clientname",
    ]


def test_my_outcomes_hold_the_hand_worked_counts(practice, login):
    response = login(practice.owner).get(reverse("outcomes_mine"))
    (cell,) = response.context["cells"]
    assert not cell.summary["suppressed"]
    assert {k: cell.summary[k] for k in OWNER_COUNTS} == OWNER_COUNTS
    recovery = next(r for r in cell.rates if r["key"] == "recovery")
    assert (recovery["numerator"], recovery["denominator"]) == (5, 9)
    assert recovery["benchmark"]["year"] == 2014
    html = response.content.decode()
    assert "NHS Talking Therapies recovery standard" in html
    assert "56%" in html  # 5/9
    assert "Beside the practice" in html
    # one open episode of the world's own client is left out and said so
    assert "1 still open" in html


def test_a_practitioner_sees_only_their_own_effect_with_caveats(practice, login):
    response = login(practice.owner).get(reverse("outcomes_mine"))
    effects = response.context["effects"]
    assert [r["name"] for r in effects["rows"]] == [str(practice.owner)]
    html = response.content.decode()
    assert "Regression to the mean" in html and "Small caseloads" in html
    assert str(practice.colleague) not in html


def test_the_supervisor_sees_each_supervisee(practice, login):
    response = login(practice.supervisor).get(reverse("outcomes_supervision"))
    assert [c.label for c in response.context["cells"]] == [str(practice.owner)]
    assert [r["name"] for r in response.context["effects"]["rows"]] == [str(practice.owner)]


def test_the_clinic_lead_sees_services_and_practice_without_free_text(practice, login):
    response = login(practice.admin).get(reverse("outcomes_practice"))
    labels = [c.label for c in response.context["cells"]]
    assert labels == ["Whole practice", "Counselling", "Therapy"]
    whole = response.context["cells"][0].summary
    assert whole["counted"] == 20 and whole["recovered"] == 10
    names = {r["name"] for r in response.context["effects"]["rows"]}
    assert names == {str(practice.owner), str(practice.colleague)}
    html = response.content.decode()
    for text in _free_text(practice):
        assert text not in html


def test_small_cells_are_suppressed(world, login):
    add_episodes(world.owner, OWNER_EPISODES[:9])
    response = login(world.owner).get(reverse("outcomes_mine"))
    (cell,) = response.context["cells"]
    assert cell.summary == {"suppressed": True, "min_cell": 10, "label": str(world.owner)}
    html = response.content.decode()
    assert "Fewer than 10 counted episodes: figures not shown." in html
    assert all(t["suppressed"] for t in cell.terciles)
    assert cell.alliance["suppressed"]


def test_dropout_follows_the_configured_minimum(practice, login):
    # every finished episode has 4 attended sessions and a planned ending
    low = login(practice.owner).get(reverse("outcomes_mine"), {"min_sessions": 4})
    assert low.context["cells"][0].dropout["numerator"] == 0
    high = login(practice.owner).get(reverse("outcomes_mine"), {"min_sessions": 5})
    assert high.context["cells"][0].dropout["numerator"] == 10
    assert "fewer than 5 attended sessions" in high.content.decode()


def test_terciles_and_quarters_are_shown(practice, login):
    response = login(practice.owner).get(reverse("outcomes_mine"))
    cell = response.context["cells"][0]
    assert [t["tercile"] for t in cell.terciles] == [
        "lowest third",
        "middle third",
        "highest third",
    ]
    assert sum(1 for q in cell.quarters) >= 1
    assert cell.alliance["n"] == 10


def test_a_supervisor_without_supervisees_sees_no_one(world, login):
    other = make_user(world.org, Role.SUPERVISOR)
    response = login(other).get(reverse("outcomes_supervision"))
    assert response.context["cells"] == []
    assert response.context["effects"]["rows"] == []


def test_effects_are_adjusted_for_the_chosen_covariates(practice, login):
    url = reverse("outcomes_mine")
    default = login(practice.owner).get(url).context["effects"]
    assert default["covariates"] == ["intake GAD-7"]
    chosen = login(practice.owner).get(url, {"min_sessions": 2, "adjust": ["age"]})
    assert chosen.context["effects"]["covariates"] == ["age at the start"]
    none = login(practice.owner).get(url, {"min_sessions": 2})
    assert none.context["effects"]["covariates"] == []


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_episodes(world, login):
    add_episodes(world.owner, OWNER_EPISODES)
    client = login(world.admin)
    urls = [reverse("outcomes_practice"), reverse("outcomes_supervision")]
    before = [_queries(client, url) for url in urls]
    add_episodes(world.colleague, COLLEAGUE_EPISODES, service="counselling")
    assert [_queries(client, url) for url in urls] == before
