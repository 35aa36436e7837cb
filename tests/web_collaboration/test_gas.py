"""The GAS T-score shown on the client page matches hand-worked values (Kiresuk & Sherman, ρ = 0.3).

T = 50 + 10·Σwᵢxᵢ / √[(1 − ρ)·Σwᵢ² + ρ·(Σwᵢ)²]
"""

from __future__ import annotations

import math

import pytest
from django.urls import reverse

from alliance.scoring import gas_t_score
from alliance.web.collaboration import actions
from alliance.web.collaboration.client_panel import episode_collaboration
from alliance.web.collaboration.gas import sparkline
from alliance.web.collaboration.models import GoalStatus
from tests.web_collaboration.helpers import goal, sessions

# Hand-worked: weights (1, 2). Σw² = 5, (Σw)² = 9, denominator √(0.7·5 + 0.3·9) = √6.2.
ROOT_6_2 = math.sqrt(6.2)


@pytest.mark.parametrize(
    ("levels", "weights", "expected"),
    [
        ([0, 0, 0], None, 50.0),
        ([1, 0, -1], None, 50.0),
        ([-1], None, 40.0),  # one goal: denominator √(0.7 + 0.3) = 1
        ([2, 1], None, 50 + 30 / math.sqrt(2.6)),  # 68.605
        ([0, 1], [1, 2], 50 + 20 / ROOT_6_2),  # 58.032
    ],
)
def test_pure_function_matches_hand_worked_values(levels, weights, expected):
    assert gas_t_score(levels, weights) == pytest.approx(expected, abs=1e-9)


def rated_episode(world):
    episode = world.episode
    s1, s2, s3 = sessions(episode, 3)
    a = goal(episode, "Go to the gym", weight=1)
    b = goal(episode, "Speak up in meetings", weight=2)
    goal(episode, "Not yet agreed", weight=5, status=GoalStatus.PROPOSED)
    dropped = goal(episode, "Dropped goal", weight=5, status=GoalStatus.DROPPED)
    owner = world.owner
    actions.rate_goals(owner, episode, {a: -1, b: -1, dropped: 2}, session=s1)
    actions.rate_goals(owner, episode, {a: 0, b: 1}, session=s2)
    actions.rate_goals(owner, episode, {a: 1}, session=s3)  # b keeps +1
    return episode


def test_series_over_reviews_uses_latest_level_and_weights(world):
    episode = rated_episode(world)
    item = episode_collaboration([episode])[0]
    # S1: Σwx = −3 → 50 − 30/√6.2 = 37.95; S2: Σwx = 2 → 58.03; S3: Σwx = 3 → 62.05.
    assert [(p.label, p.t_score) for p in item.gas] == [
        ("S1", 38.0),
        ("S2", 58.0),
        ("S3", 62.0),
    ]
    assert all(p.n_goals == 2 for p in item.gas)
    assert item.gas_client == []
    assert item.gas_svg.startswith("<svg") and "polyline" in item.gas_svg


def test_client_page_shows_the_hand_worked_t_scores(world, login):
    rated_episode(world)
    page = login(world.owner).get(reverse("client", kwargs={"client_id": world.client.public_id}))
    body = page.content.decode()
    for value in ("38.0", "58.0", "62.0"):
        assert f'<strong class="gas-t">{value}</strong>' in body
    assert 'class="gas-chart"' in body
    assert "Speak up in meetings" in body


def test_client_ratings_form_their_own_series(world):
    episode = world.episode
    (s1,) = sessions(episode, 1)
    a = goal(episode, weight=1)
    actions.rate_goals(world.owner, episode, {a: 2}, session=s1, rated_by="client")
    item = episode_collaboration([episode])[0]
    assert [p.t_score for p in item.gas_client] == [70.0]  # one goal at +2: 50 + 10·2/1
    assert item.gas == []


def test_sparkline_escapes_and_handles_one_point():
    from alliance.web.collaboration.gas import GasPoint

    svg = sparkline([GasPoint("<b>", 50.0, 1)])
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert sparkline([]) == ""
