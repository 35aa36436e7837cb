"""The client page leads with the open episode, speaks the words of its kind of practice,
and lists its sources once; the prep screen prepares the next session."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from alliance.instruments import load_instrument
from alliance.web.accounts.models import User
from alliance.web.insights.demo import load_demo_measures
from alliance.web.intake.models import IntakeRequest
from alliance.web.practice import actions, vocabulary
from alliance.web.practice.demo import REASONS, load_demo_practice
from alliance.web.practice.models import Episode, Service
from tests.factories import make_client, make_episode, make_session

CLINICAL_WORDS = (
    "episode of care",
    "Referral reason",
    "referral reason",
    "clinical cut-off",
    "Clinical cut-off",
    "clinical intake score",
    "Shared formulation",
)


def _page(login, user, client) -> str:
    response = login(user).get(reverse("client", kwargs={"client_id": client.public_id}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_open_episode_comes_first_then_goals_charts_and_consent(world, login):
    body = _page(login, world.owner, world.client)
    marks = [
        'class="card episode episode-now"',
        'id="collab-title"',
        'id="insights-title"',
        'id="research-consent-title"',
        'class="card client-data"' if 'class="card client-data"' in body else "Client data",
    ]
    positions = [body.index(mark) for mark in marks]
    assert positions == sorted(positions), dict(zip(marks, positions, strict=True))
    head = body[: body.index('id="collab-title"')]
    for expected in ("Log a session", "Last check", "Last session", "Move phase", "Engagement"):
        assert expected in head, expected


def test_top_right_action_fits_the_state(world, login):
    body = _page(login, world.owner, world.client)
    assert "Start an episode" not in body
    assert reverse("episode_prep", kwargs={"episode_id": world.episode.public_id}) in body
    actions.end_episode(
        world.owner, world.episode, ended_on=world.session.starts_at.date(), ending_type="planned"
    )
    body = _page(login, world.owner, world.client)
    assert "Start an episode of care" in body and "Log a session" not in body


def test_last_check_links_to_the_answered_scores(world, login):
    check = world.extras["own"]["check"]
    body = _page(login, world.owner, world.client)
    assert reverse("check", kwargs={"check_id": check.public_id}) in body
    check.completed_at = world.session.starts_at
    check.save(update_fields=["completed_at"])
    body = _page(login, world.owner, world.client)
    assert reverse("session", kwargs={"session_id": world.session.public_id}) + "#measures" in body


def test_each_page_lists_its_sources_once_in_one_disclosure(world, login):
    attribution = escape(load_instrument("alliance-check-practitioner").attribution)
    pages = [
        reverse("client", kwargs={"client_id": world.client.public_id}),
        reverse("session", kwargs={"session_id": world.session.public_id}),
        reverse("session_prep", kwargs={"session_id": world.session.public_id}),
        reverse("episode_prep", kwargs={"episode_id": world.episode.public_id}),
    ]
    client = login(world.owner)
    for url in pages:
        body = client.get(url).content.decode()
        assert body.count('<details class="sources') == 1, url
        assert body.count('class="citations"') == 1, url
        assert body.count(attribution) == 1, url


def test_prepare_the_next_session_prepares_the_one_after_the_last(world, login):
    make_session(world.episode, days_after_start=8)
    url = reverse("episode_prep", kwargs={"episode_id": world.episode.public_id})
    body = login(world.owner).get(url).content.decode()
    assert "Prepare session 3" in body
    # The practitioner's rating of session 1 is what is known so far.
    assert "Alliance Check (practitioner)" in body
    # The session's own prep keeps preparing that session.
    url = reverse("session_prep", kwargs={"session_id": world.session.public_id})
    assert "Prepare session 1" in login(world.owner).get(url).content.decode()
    # The prep of the next session is read like the episode: 404 for anyone else.
    other = reverse("episode_prep", kwargs={"episode_id": world.foreign_episode.public_id})
    assert login(world.owner).get(other).status_code == 404


def test_a_self_referral_shows_what_brings_you(world, login):
    IntakeRequest.objects.create(
        organisation=world.org,
        name="Owner Clientname",
        contact="c@example.org",
        help_with="owner-referral-secret",
        episode=world.episode,
    )
    body = _page(login, world.owner, world.client)
    assert "What brings you:" in body and "owner-referral-secret" in body
    assert "Referral reason" not in body


def test_a_coachs_client_page_speaks_coaching(world, login):
    client = make_client(world.owner)
    episode = make_episode(client, service=Service.COACHING, referral_reason="wants a new role")
    make_session(episode)
    body = _page(login, world.owner, client)
    assert "What brings you:" in body and "wants a new role" in body
    for word in CLINICAL_WORDS:
        assert word not in body, word


@pytest.mark.django_db
def test_demo_coach_pages_carry_no_clinical_words(client):
    org = load_demo_practice()
    load_demo_measures(org)
    episodes = Episode.objects.filter(organisation=org, service=Service.COACHING)
    client.force_login(User.objects.get(organisation=org, username="coach"))
    assert episodes.count() == 8
    for episode in episodes.select_related("client"):
        assert episode.referral_reason in REASONS[Service.COACHING]
        body = client.get(reverse("client", kwargs={"client_id": episode.client.public_id}))
        text = body.content.decode()
        assert body.status_code == 200
        for word in (*CLINICAL_WORDS, "Court-ordered"):
            assert word not in text, (episode.client.code, word)
    # The coach's caseload and inbox speak coaching too.
    for page in ("caseload", "inbox", "client_list"):
        text = client.get(reverse(page)).content.decode()
        for word in CLINICAL_WORDS:
            assert word not in text, (page, word)


def test_every_kind_names_every_term():
    table = vocabulary.table()
    assert set(table) == {"therapy", "counselling", "coaching"}
    assert {len(terms) for terms in table.values()} == {len(table["therapy"])}
    assert vocabulary.term("coach", "reason") == "What brings you"
    assert vocabulary.term(Service.THERAPY, "reason") == "Referral reason"
    for kind in table:
        assert vocabulary.term(kind, "self_reason") == "What brings you"
    for text in vocabulary.words("coaching").values():
        assert not any(word.lower() in text.lower() for word in CLINICAL_WORDS), text


def test_an_incomplete_vocabulary_is_refused():
    table = {kind: dict(terms) for kind, terms in vocabulary.table().items()}
    del table["coaching"]["reason"]
    with pytest.raises(vocabulary.VocabularyError, match="coaching: missing \\['reason'\\]"):
        vocabulary.validate(table)
    table = {kind: dict(terms) for kind, terms in vocabulary.table().items()}
    table["counselling"]["cutoff"] = ""
    with pytest.raises(vocabulary.VocabularyError, match="counselling.cutoff"):
        vocabulary.validate(table)
    with pytest.raises(vocabulary.VocabularyError):
        vocabulary.validate({"therapy": {}})


def test_the_episode_forms_speak_the_practitioners_words(world, login):
    world.owner.practitioner_kind = "coach"
    world.owner.save(update_fields=["practitioner_kind"])
    client = login(world.owner)
    body = client.get(reverse("episode_new", kwargs={"client_id": world.client.public_id}))
    text = body.content.decode()
    assert "Start a coaching engagement" in text and "What brings you (encrypted)" in text
    assert "episode of care" not in text and "Referral reason" not in text
    coaching = make_episode(make_client(world.owner), service=Service.COACHING)
    text = client.get(reverse("episode_end", kwargs={"episode_id": coaching.public_id})).content
    assert b"End this coaching engagement" in text and b"episode of care" not in text


def test_the_practitioners_check_page_links_to_the_answered_scores(world, login):
    check = world.extras["own"]["check"]
    url = reverse("check", kwargs={"check_id": check.public_id})
    scores = reverse("session", kwargs={"session_id": world.session.public_id}) + "#measures"
    client = login(world.owner)
    assert scores not in client.get(url).content.decode()
    check.completed_at = world.session.starts_at
    check.save(update_fields=["completed_at"])
    body = client.get(url).content.decode()
    assert scores in body and "See the scores of session 1" in body
    assert 'id="measures"' in client.get(scores.split("#")[0]).content.decode()


@pytest.mark.django_db
def test_public_practice_pages_show_no_validation_status_licence_or_citation(client):
    from alliance.instruments import SHIPPED_DIR
    from alliance.web.intake.demo import load_demo_pages

    org = load_demo_practice()
    load_demo_pages(org)
    urls = [reverse("practice_page", args=[org.slug])] + [
        reverse("practitioner_page", args=[org.slug, name])
        for name in ("therapist", "counsellor", "coach")
    ]
    citations = [load_instrument(f.stem).citation[:40] for f in SHIPPED_DIR.glob("*.yaml")]
    assert len(citations) >= 5
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "validated" not in text and "Licence" not in text, url
        assert not [c for c in citations if escape(c) in text], url


def test_phase_purpose_speaks_the_episodes_words(world):
    coaching = make_episode(make_client(world.owner), service=Service.COACHING)
    coaching.phase = "assessment"
    world.episode.phase = "assessment"
    assert "formulation" not in coaching.phase_purpose.lower()
    assert "Shared formulation" in world.episode.phase_purpose


def test_last_check_names_answers_recorded_without_a_link(world, login):
    from alliance.web.measures import actions as measure_actions
    from tests.factories import PRACTITIONER_RATING

    client = make_client(world.owner)
    session = make_session(make_episode(client), days_after_start=2)
    assert "none yet" in _page(login, world.owner, client).split("Last check", 1)[1][:400]
    measure_actions.record_practitioner_rating(world.owner, session, PRACTITIONER_RATING)
    said = _page(login, world.owner, client).split("Last check", 1)[1][:600]
    assert "none yet" not in said
    assert f"answers recorded at session {session.number}" in said
