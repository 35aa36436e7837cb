"""Every transcript URL, requested as every persona, on their own, a colleague's and a foreign
record: nobody sees or changes what is not theirs, and only readers of clinical text see words.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from alliance.web.transcripts import urls as transcript_urls
from alliance.web.transcripts.access import (
    can_change_transcript,
    can_read_transcript_text,
    transcript_for_user,
    transcripts_for_user,
)
from alliance.web.transcripts.models import (
    RuptureCandidateDecision,
    Transcript,
    TranscriptConsent,
)
from tests.web_transcripts.samples import POST_ONLY, READ, SECRET_TURN, WRITE, add_transcripts

PERSONAS = ["owner", "colleague", "supervisor", "researcher", "admin", "outsider", "anonymous"]
MAY_READ = {
    "owner": {"own"},
    "colleague": {"colleague"},
    "supervisor": {"own"},
    "admin": {"own", "colleague"},
    "outsider": {"foreign"},
}
MAY_WRITE = {"owner": {"own"}, "colleague": {"colleague"}, "outsider": {"foreign"}}
MAY_READ_TEXT = {
    "owner": {"own"},
    "colleague": {"colleague"},
    "supervisor": {"own"},
    "outsider": {"foreign"},
}


def test_every_transcript_url_is_classified():
    names = {p.name for p in transcript_urls.urlpatterns}
    assert names == READ | WRITE | POST_ONLY
    assert all(name.startswith("transcript") for name in names)


def expected(name: str, persona: str, kind: str) -> int:
    if persona == "anonymous":
        return 302
    if name in POST_ONLY:
        return 405
    if name in WRITE:
        return 200 if kind in MAY_WRITE.get(persona, set()) else 404
    return 200 if kind in MAY_READ.get(persona, set()) else 404


def snapshot() -> tuple:
    return (
        Transcript.objects.count(),
        TranscriptConsent.objects.filter(withdrawn_on__isnull=True).count(),
        RuptureCandidateDecision.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(world, login, persona):
    transcripts = add_transcripts(world)
    records = {
        "own": (world.client, world.session),
        "colleague": (world.colleague_client, world.colleague_session),
        "foreign": (world.foreign_client, world.foreign_session),
    }
    client = login(world.personas()[persona])
    before = snapshot()
    for pattern in transcript_urls.urlpatterns:
        name = pattern.name
        for kind, (owner_client, session) in records.items():
            available = {
                "client_id": owner_client.public_id,
                "session_id": session.public_id,
                "transcript_id": transcripts[kind].public_id,
            }
            kwargs = {a: available[a] for a in pattern.pattern.converters}
            url = reverse(name, kwargs=kwargs)
            response = client.get(url)
            want = expected(name, persona, kind)
            assert response.status_code == want, f"{persona} GET {url} ({name}, {kind})"
            body = response.content.decode()
            for secret_kind, secret in SECRET_TURN.items():
                if secret_kind not in MAY_READ_TEXT.get(persona, set()):
                    assert secret not in body, f"{persona} saw {secret_kind} words on {url}"
            may_write = kind in MAY_WRITE.get(persona, set())
            if persona != "anonymous" and not may_write and name in WRITE | POST_ONLY:
                data = {"candidate": 0, "decision": "confirmed", "given_on": "2020-01-01"}
                post = client.post(url, {**data, "confirm": "on", "speaker_0": "client"})
                assert post.status_code == 404, f"{persona} POST {url} ({name}, {kind})"
            if persona == "anonymous" and name in WRITE | POST_ONLY:
                assert client.post(url, {}).status_code == 302
    assert snapshot() == before


def test_transcript_page_shows_words_only_to_readers_of_clinical_text(world, login):
    transcripts = add_transcripts(world)
    url = reverse("transcript", kwargs={"transcript_id": transcripts["own"].public_id})
    for persona in ("owner", "supervisor"):
        body = login(world.personas()[persona]).get(url).content.decode()
        assert SECRET_TURN["own"] in body and "Candidate rupture moments" in body
    owner_page = login(world.owner).get(url).content.decode()
    assert "Confirm rupture" in owner_page and "Correct speaker roles" in owner_page
    supervisor_page = login(world.supervisor).get(url).content.decode()
    assert "Confirm rupture" not in supervisor_page and "Delete transcript" not in supervisor_page
    admin_page = login(world.admin).get(url).content.decode()
    assert "visible only to the practitioner and their supervisor" in admin_page
    assert "Conversation" not in admin_page and "Confirm rupture" not in admin_page


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_helpers(world, persona):
    transcripts = add_transcripts(world)
    user = world.personas()[persona]
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    visible = set(transcripts_for_user(user))
    for kind, transcript in transcripts.items():
        assert (transcript in visible) == (kind in MAY_READ.get(persona, set()))
        if transcript in visible:
            found = transcript_for_user(user, transcript.public_id)
            assert can_read_transcript_text(user, found) == (
                kind in MAY_READ_TEXT.get(persona, set())
            )
            assert can_change_transcript(user, found) == (kind in MAY_WRITE.get(persona, set()))


def test_bad_ids_are_404(world, login):
    from django.http import Http404

    with pytest.raises(Http404):
        transcript_for_user(world.owner, "not-a-uuid")
    client = login(world.owner)
    missing = reverse("transcript", kwargs={"transcript_id": world.client.public_id})
    assert client.get(missing).status_code == 404
