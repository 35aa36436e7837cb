"""Goal, task, decision and note text is encrypted at rest; the rituals library validates."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from alliance.web.collaboration import actions
from alliance.web.collaboration.models import PortalAccess
from alliance.web.collaboration.rituals import RitualError, load_rituals, parse_ritual
from tests.web_collaboration.helpers import goal


def raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM collaboration_{table}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_free_text_is_not_in_the_raw_tables(world):
    goal(world.episode, title="plaintext-goal-title", level_plus_2="plaintext-level")
    actions.add_task(world.owner, world.episode, what="plaintext-task")
    actions.log_decision(
        world.owner,
        world.episode,
        decision="plaintext-decision",
        agreed_by="plaintext-who",
        decided_on=timezone.localdate(),
    )
    access, token, pin = actions.create_portal_access(world.owner, world.client)
    actions.leave_client_note(access, "plaintext-note")
    checks = [
        ("goal", "title", "plaintext-goal-title"),
        ("goal", "level_plus_2", "plaintext-level"),
        ("task", "what", "plaintext-task"),
        ("shareddecision", "decision", "plaintext-decision"),
        ("shareddecision", "agreed_by", "plaintext-who"),
        ("clientnote", "text", "plaintext-note"),
        ("portalaccess", "token", token),
    ]
    for table, column, secret in checks:
        values = raw(table, column)
        assert values and all(v.startswith("enc1:") for v in values), (table, column)
        assert all(secret not in v for v in values)
    stored = PortalAccess.objects.get()
    assert pin not in stored.pin_hash and token not in stored.token_hash


def test_shipped_library_has_openings_and_closings_of_each_kind():
    rituals = load_rituals()
    assert len(rituals) >= 6
    kinds = {(r.kind, r.category) for r in rituals.values()}
    assert {
        ("opening", "grounding"),
        ("opening", "check-in"),
        ("closing", "reflection"),
        ("closing", "appreciation"),
    } <= kinds
    assert rituals["weather-check-in"].title("de").startswith("Check-in")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("id: other\nkind: opening\ncategory: grounding\ntitle: {en: T}\ntext: {en: X}\n", "id"),
        ("id: bad\nkind: middle\ncategory: grounding\ntitle: {en: T}\ntext: {en: X}\n", "kind"),
        (
            "id: bad\nkind: opening\ncategory: grounding\ntitle: {de: T}\ntext: {en: X}\n",
            "title.en",
        ),
        ("id: bad\nkind: opening\ncategory: grounding\ntitle: {en: T}\n", "text"),
        ("id: bad\nkind: opening\ncategory: nap\ntitle: {en: T}\ntext: {en: X}\n", "category"),
        (
            "id: bad\nkind: opening\ncategory: grounding\ntitle: {en: T}\ntext: {en: X}\nminutes: 99\n",
            "minutes",
        ),
        (
            "id: bad\nkind: opening\ncategory: grounding\ntitle: {en: T}\ntext: {en: X}\nextra: 1\n",
            "extra",
        ),
        ("- a list\n", "(file)"),
    ],
)
def test_malformed_ritual_names_file_and_field(tmp_path: Path, content, field):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RitualError) as info:
        parse_ritual(path)
    assert info.value.field == field
    assert str(info.value).startswith("bad.yaml: " + field)


def test_ritual_chosen_per_episode_shows_on_prep(world, login):
    from django.urls import reverse

    client = login(world.owner)
    url = reverse("ritual_choose", kwargs={"episode_id": world.episode.public_id})
    assert (
        client.post(
            url, {"opening": "arriving-breath", "closing": "word-of-appreciation"}
        ).status_code
        == 302
    )
    prep = client.get(reverse("session_prep", kwargs={"session_id": world.session.public_id}))
    body = prep.content.decode()
    assert "Arriving with three breaths" in body and "A word of appreciation" in body
    # A closing ritual offered as an opening is refused at the field.
    response = client.post(url, {"opening": "word-of-appreciation", "closing": ""})
    assert response.status_code == 200
