"""The public practice page: published only, Markdown sanitised, photo checked on upload."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance.web.intake.markdown import render_markdown
from alliance.web.intake.models import PracticePage
from tests.web_intake.factories import PNG, make_page

PAYLOADS = [
    "<script>alert('x')</script>",
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(1)">raw link</a>',
    "<img src=x onerror=alert(1)>",
    '![pic](x" onerror="alert(1))',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>",
    "<iframe src=https://example.org></iframe>",
]


class _Elements(HTMLParser):
    """Collect the real elements and attributes of an HTML fragment (escaped text is not)."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def assert_inert(html: str) -> None:
    found = elements(html)
    assert not {"script", "img", "svg", "iframe", "object", "embed"} & set(found.tags)
    for name, value in found.attributes:
        assert not name.startswith("on"), f"event handler {name}={value!r} survived"
        if name in {"href", "src"}:
            assert value.startswith(("https:", "http:", "mailto:")), value


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_never_yields_a_script(payload):
    html = str(render_markdown(f"Hello **there**\n\n{payload}\n\n[ok](https://example.org)"))
    assert_inert(html)
    assert "<strong>there</strong>" in html
    assert 'href="https://example.org"' in html


def test_payloads_on_the_public_page_are_inert(world, client):
    make_page(
        world.org,
        world.owner,
        about="<script>alert('about')</script>",
        approach="[x](javascript:alert(1))",
        fees="<img src=x onerror=alert(1)>",
    )
    url = reverse("practitioner_page", args=[world.org.slug, world.owner.username])
    body = client.get(url).content.decode()
    main = body[body.index('<article class="practice-profile">') : body.index("</article>")]
    assert_inert(main)
    assert "&lt;script&gt;" in main  # shown as text, never run


def test_unpublished_pages_are_not_found(world, client):
    make_page(world.org, published=False)
    make_page(world.org, world.owner, published=False)
    assert client.get(reverse("practice_page", args=[world.org.slug])).status_code == 404
    url = reverse("practitioner_page", args=[world.org.slug, world.owner.username])
    assert client.get(url).status_code == 404


def test_practitioner_page_by_uuid_and_listed_on_the_practice_page(world, client):
    make_page(world.org)
    make_page(world.org, world.owner, headline="Sam — career coaching")
    by_uuid = reverse("practitioner_page", args=[world.org.slug, str(world.owner.public_id)])
    assert "Sam — career coaching" in client.get(by_uuid).content.decode()
    practice = client.get(reverse("practice_page", args=[world.org.slug])).content.decode()
    assert "Sam — career coaching" in practice
    # Another organisation's practitioner is not reachable under this slug.
    other = reverse("practitioner_page", args=[world.org.slug, world.outsider.username])
    assert client.get(other).status_code == 404


def _form(**extra):
    data = {
        "headline": "Dana — counselling",
        "about": "I listen.",
        "approach": "",
        "services": ["counselling", "career-coaching"],
        "languages": "English",
        "formats": ["video"],
        "fees": "",
        "published": "on",
    }
    data.update(extra)
    return data


def test_practitioner_edits_and_publishes_with_a_photo(world, login):
    client = login(world.owner)
    photo = SimpleUploadedFile("me.png", PNG, content_type="image/png")
    response = client.post(reverse("practice_page_edit"), _form(photo=photo))
    assert response.status_code == 302
    page = PracticePage.objects.get(member=world.owner)
    assert page.published and page.photo_type == "image/png"
    assert page.service_list == ["counselling", "career-coaching"]
    public = login(None).get(
        reverse("practitioner_page", args=[world.org.slug, world.owner.username])
    )
    assert 'src="data:image/png;base64,' in public.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "x.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            "PNG, JPEG or WebP",
        ),
        ("x.png", b"GIF89a not really a png", "PNG, JPEG or WebP"),
        ("big.png", PNG + b"\0" * (1024 * 1024), "larger than 1 MB"),
    ],
)
def test_bad_photos_are_refused_at_the_field(world, login, name, content, message):
    client = login(world.owner)
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = client.post(reverse("practice_page_edit"), _form(photo=upload))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["photo"])
    assert not PracticePage.objects.filter(member=world.owner).exists()


def test_only_the_admin_edits_the_practice_page(world, login):
    for persona in ("owner", "supervisor", "researcher"):
        client = login(getattr(world, persona))
        assert client.get(reverse("practice_page_edit_organisation")).status_code == 404
    client = login(world.admin)
    assert client.post(reverse("practice_page_edit_organisation"), _form()).status_code == 302
    assert PracticePage.objects.get(organisation=world.org, member=None).published
