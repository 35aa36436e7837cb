"""Oversized and malformed request bodies to every web page: never a 5xx. The JSON API under
/api/v1/ is covered by tests/api.

The sweeps only assert "no 5xx": a POST to a one-button action page (remove, end, revoke) acts by
design, so "nothing written" is asserted where a body is refused (the transcript upload)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance.web.transcripts.models import MAX_TRANSCRIPT_BYTES, Transcript
from tests.web.test_url_matrix import discover, targets

MALFORMED_JSON = [
    b"{",
    b'{"resourceType": "QuestionnaireResponse", "item": [',
    b"\xff\xfe\x00",
    b'{"a": ' * 500 + b"1" + b"}" * 500,
    b"[]",
    b"null",
]


def _pages(world):
    for _route, name, args in discover():
        if name == "logout" or _route.startswith("api/"):
            continue
        kwargs = {}
        if args:
            available = targets(world, "own")
            kwargs = {a: available[a] for a in args}
        yield reverse(name, kwargs=kwargs)


def test_malformed_json_to_every_web_page_is_refused_and_writes_nothing(world, login):
    client = login(world.owner)
    client.raise_request_exception = False
    targets(world, "own")
    problems = []
    for n, url in enumerate(_pages(world)):
        body = MALFORMED_JSON[n % len(MALFORMED_JSON)]
        response = client.post(url, body, content_type="application/json")
        if response.status_code >= 500:
            problems.append(f"POST {url} (malformed JSON): HTTP {response.status_code}")
    assert not problems, "\n".join(problems)


def test_a_body_over_the_request_limit_is_refused_everywhere(world, login, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000  # stands in for the 2.5 MB default
    client = login(world.owner)
    client.raise_request_exception = False
    targets(world, "own")
    problems = []
    for url in _pages(world):
        response = client.post(url, {"text": "x" * 60_000, "note": "y" * 60_000})
        if response.status_code >= 500:
            problems.append(f"POST {url} (oversized form): HTTP {response.status_code}")
        elif response.status_code == 400:
            problems.append(f"POST {url} (oversized form): a bare 400 instead of the 413 page")
        elif response.status_code == 413:
            page = response.content.decode()
            if "larger than the limit of 49 KB" not in page or "Nothing was saved" not in page:
                problems.append(f"POST {url} (oversized form): 413 without naming the limit")
    assert not problems, "\n".join(problems)


def test_an_oversized_api_body_gets_a_json_413_naming_the_limit(world, settings):
    from django.test import Client

    from alliance.web.api.actions import create_token
    from alliance.web.practice.models import Client as PracticeClient

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    _token, secret = create_token(world.owner, world.owner, scopes=["write"], days=1)
    before = PracticeClient.objects.count()
    response = Client(raise_request_exception=False).post(
        "/api/v1/clients",
        {"name": "x" * 60_000},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["field"] == "body" and "49 KB" in error["message"]
    assert PracticeClient.objects.count() == before


def test_an_oversized_transcript_file_is_refused_naming_the_limit(world, login):
    from tests.web_transcripts.samples import give_consent

    give_consent(world.session)
    before = Transcript.objects.count()
    url = reverse("transcript_new", kwargs={"session_id": world.session.public_id})
    big = SimpleUploadedFile("session.txt", b"T: hello\n" * (MAX_TRANSCRIPT_BYTES // 9 + 10))
    response = login(world.owner).post(url, {"file": big})
    assert response.status_code in {200, 400, 413}
    assert "2 MB" in response.content.decode()
    assert Transcript.objects.count() == before


@pytest.mark.parametrize("persona", ["owner", "admin"])
def test_an_oversized_file_to_any_upload_form_writes_nothing(world, login, persona, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = login(world.personas()[persona])
    client.raise_request_exception = False
    targets(world, "own")
    problems = []
    blob = b"\x89PNG\r\n\x1a\n" + b"\x00" * 3_000_000
    for url in _pages(world):
        response = client.post(
            url,
            {
                "file": SimpleUploadedFile("big.png", blob),
                "photo": SimpleUploadedFile("p.png", blob),
            },
        )
        if response.status_code >= 500:
            problems.append(f"POST {url} (3 MB file): HTTP {response.status_code}")
    assert not problems, "\n".join(problems)
