"""Instruments shipped as structure only cannot join a measurement plan (issue 12)."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alliance.instruments import install_file, load_instrument, structure_only_reason
from alliance.web.measures import actions

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("instrument_id", ["wai-sr", "sai"])
def test_the_plan_form_refuses_a_structure_only_instrument_and_says_how_to_load_it(
    world, login, instrument_id
):
    practitioner = login(world.owner)
    url = reverse("episode_plan", kwargs={"episode_id": world.episode.public_id})
    page = practitioner.post(url, {"instrument_id": instrument_id, "schedule": "every_session"})
    body = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert "ships as structure only" in body and "alliance instruments load FILE" in body
    assert not world.episode.plan_items.filter(instrument_id=instrument_id).exists()
    with pytest.raises(ValidationError, match="structure only"):
        actions.add_plan_item(
            world.owner,
            world.episode,
            instrument_id=instrument_id,
            schedule="every_session",
            every_n=None,
        )


def test_a_licensed_definition_is_accepted(world, tmp_path, monkeypatch):
    import yaml

    monkeypatch.setenv("ALLIANCE_HOME", str(tmp_path))
    from alliance.instruments import clear_cache

    clear_cache()
    data = yaml.safe_load(load_instrument("wai-sr").source_path.read_text())
    data["placeholder"] = False
    data["text_may_be_shown"] = True
    data["version"] = "2006-licensed"
    for item in data["items"]:
        item["text"] = {"en": f"Licensed item {item['id']}"}
    src = tmp_path / "wai-sr-licensed.yaml"
    src.write_text(yaml.safe_dump(data))
    install_file(src)
    try:
        assert structure_only_reason(load_instrument("wai-sr")) is None
        item = actions.add_plan_item(
            world.owner,
            world.episode,
            instrument_id="wai-sr",
            schedule="every_session",
            every_n=None,
        )
        assert item.instrument_id == "wai-sr"
    finally:
        clear_cache()
