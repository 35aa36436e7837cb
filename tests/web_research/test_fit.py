"""The researcher's model-fitting page: who may use it, that it fits what the Python API
and the command line fit, that bad input is named on the form, and that every fit is
audited like an export."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from alliance.commands.research import app
from alliance.research.sem import build_partable, fit_sem
from alliance.research.sem.payload import fit_payload
from alliance.web.accounts.models import Role
from alliance.web.audit.models import AuditEntry
from alliance.web.practice.models import Client
from alliance.web.research import actions
from alliance.web.research.access import research_settings
from alliance.web.research.datasets import build_research_data, research_frame
from alliance.web.research.demo import load_demo_archive
from alliance.web.research.models import ExportFormat, ResearchExport
from alliance.web.research.presets import PRESETS
from tests.factories import make_user

PERSONAS = ["owner", "colleague", "supervisor", "researcher", "admin", "outsider", "anonymous"]
ITEMS = [f"alliance_check_{i}" for i in range(1, 5)]
CFA = "alliance =~ " + " + ".join(ITEMS) + "\n"
# the long layout's first forms of the Alliance Check: one row per episode
CFA_DATA = {"shape": "long", "session": 1, "instruments": ["alliance-check"]}
ARCHIVE = 40


def form_data(model: str = CFA, **fields) -> dict:
    data = {"model": model, "missing": "listwise", "bootstrap": 0, "seed": 1, **CFA_DATA}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def fit_world(world):
    """The world's practice with past clients (the demo's archive model) who consent."""
    make_user(world.org, Role.PRACTITIONER, username="therapist")
    make_user(world.org, Role.PRACTITIONER, username="counsellor", kind="counsellor")
    load_demo_archive(world.org, clients=ARCHIVE)
    for client in Client.objects.filter(
        organisation=world.org,
        practitioner__username__in=[
            "therapist",
            "counsellor",
        ],
    ).select_related("practitioner"):
        actions.record_research_consent(client.practitioner, client)
    return world


@pytest.mark.django_db
def test_the_page_is_for_those_who_may_use_research(world, login):
    other_researcher = make_user(world.other_org, Role.RESEARCHER)
    url = reverse("research_fit")
    for persona in PERSONAS:
        client = login(world.personas()[persona])
        expected = {"researcher": 200, "anonymous": 302}.get(persona, 404)
        assert client.get(url).status_code == expected, persona
        assert client.post(url, form_data()).status_code == expected, persona
    # a researcher of another organisation reaches the page, with their own (empty) data
    response = login(other_researcher).post(url, form_data(instruments=None))
    assert response.status_code == 200
    assert "No consenting client has data" in response.content.decode()
    # a clinic admin only when the organisation allows it, and only in that organisation
    settings = research_settings(world.org)
    settings.admins_may_access = True
    settings.save()
    assert login(world.admin).get(url).status_code == 200
    assert login(world.outsider_admin).get(url).status_code == 404
    assert not ResearchExport.objects.exists()


@pytest.mark.django_db
def test_research_home_links_to_the_page(world, login):
    body = login(world.researcher).get(reverse("research")).content.decode()
    assert f'href="{reverse("research_fit")}"' in body


@pytest.mark.django_db
def test_a_cfa_on_the_page_equals_the_python_api_and_is_audited(fit_world, login):
    response = login(fit_world.researcher).post(reverse("research_fit"), form_data())
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome is not None, response.context["form"].errors
    frame = research_frame(
        build_research_data(fit_world.org, instruments=["alliance-check"]), shape="long", session=1
    )
    assert len(frame) == ARCHIVE  # one first form per consenting episode
    direct = fit_payload(fit_sem(CFA, frame, seed=1))
    assert outcome.payload == direct
    assert outcome.result.n_obs == ARCHIVE
    body = response.content.decode()
    for column in ("lhs", "op", "rhs", "est", "se", "z", "pvalue"):
        assert f'<th scope="col" class="num">{column}</th>' in body or (
            f'<th scope="col">{column}</th>' in body
        ), column
    for measure in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"):
        assert f'data-fit="{measure}"' in body, measure
    first = direct["parameters"][0]
    assert f"{first['est']:.3f}" in body
    export = ResearchExport.objects.get()
    assert export.format == ExportFormat.FIT
    assert export.created_by == fit_world.researcher
    assert export.n_rows == ARCHIVE
    entry = AuditEntry.objects.get(action="export", object_id=export.public_id)
    assert entry.actor == fit_world.researcher
    assert "model fit (web): ML, 40 cases" in entry.summary
    # the home page lists it among past exports
    home = login(fit_world.researcher).get(reverse("research")).content.decode()
    assert export.file_name in home


@pytest.mark.django_db
def test_scaled_measures_with_mlr(fit_world, login):
    response = login(fit_world.researcher).post(reverse("research_fit"), form_data(estimator="MLR"))
    body = response.content.decode()
    for measure in ("chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled"):
        assert f'data-fit="{measure}"' in body, measure


@pytest.mark.django_db
def test_the_json_download_is_what_the_command_prints(fit_world, login, tmp_path):
    options = {
        "estimator": "MLR",
        "group": "service",
        "group_equal": ["loadings"],
        "bootstrap": 20,
        "seed": 5,
    }
    response = login(fit_world.researcher).post(
        reverse("research_fit"), {**form_data(**options), "download": "json"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    downloaded = response.content.decode()

    frame = research_frame(
        build_research_data(fit_world.org, instruments=["alliance-check"]), shape="long", session=1
    )
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "model.lav").write_text(CFA)
    result = CliRunner().invoke(
        app,
        [
            "fit",
            str(tmp_path / "model.lav"),
            str(tmp_path / "data.csv"),
            "--json",
            "--estimator",
            "MLR",
            "--group",
            "service",
            "--group-equal",
            "loadings",
            "--bootstrap",
            "20",
            "--seed",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert downloaded == result.stdout
    payload = json.loads(downloaded)
    assert {p["group"] for p in payload["parameters"]} == {"therapy", "counselling"}
    assert "ci.lower" in payload["parameters"][0]
    assert AuditEntry.objects.filter(action="export", summary__contains="bootstrap 20").exists()


BAD = [
    ("syntax", {"model": "alliance =~~ alliance_check_1 +"}, "Model syntax: line 1"),
    (
        "unknown column",
        {"model": "alliance =~ alliance_check_1 + nope_1 + alliance_check_2"},
        "Unknown column in the model: nope_1",
    ),
    (
        "not identified",
        {"model": "alliance =~ alliance_check_1 + alliance_check_2"},
        "the model is not identified",
    ),
    (
        "unknown label",
        {"model": "alliance =~ a*alliance_check_1 + b*alliance_check_2 + alliance_check_3\na == c"},
        "names an unknown label &#x27;c&#x27;",
    ),
    (
        "too few cases",
        {
            "model": "f =~ "
            + " + ".join(
                f"{i}_score_s{s}" for i in ("alliance_check", "phq9") for s in range(1, 11)
            ),
            "shape": "wide",
            "session": None,
            "instruments": ["alliance-check", "phq9"],
        },
        "Too few cases:",
    ),
    (
        "text column",
        {"model": "alliance =~ alliance_check_1 + alliance_check_2 + service"},
        "Not numbers: service holds text",
    ),
    (
        "constant column",
        {"model": CFA.strip() + " + days_since_start"},
        "No variance: days_since_start takes one value in the 40 cases used",
    ),
    ("unknown group", {"group": "nope"}, "Unknown column in group: nope"),
    ("unknown ordered", {"ordered": "alliance_check_1, nope"}, "Unknown column in ordered: nope"),
    (
        "empty category in a group",
        {"ordered": ",".join(ITEMS), "group": "service"},
        "has no case in category",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("problem", "fields", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_named_on_the_form(fit_world, login, problem, fields, message):
    response = login(fit_world.researcher).post(reverse("research_fit"), form_data(**fields))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorbox" role="alert"' in body
    assert message in body, (problem, re.findall(r"errorbox.*?</div>", body, re.S))
    assert response.context["outcome"] is None
    assert not ResearchExport.objects.exists()


FIELD_ERRORS = [
    ("bootstrap", {"bootstrap": 2001}, "less than or equal to 2000"),
    ("bootstrap", {"bootstrap": -1}, "greater than or equal to 0"),
    ("group", {"group_equal": ["loadings"]}, "Name a group column"),
    ("session", {"shape": "wide"}, "Choose the long layout"),
    ("estimator", {"estimator": "GLS"}, "Select a valid choice"),
    ("model", {"model": ""}, "This field is required"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "fields", "message"), FIELD_ERRORS)
def test_out_of_range_options_are_refused_at_the_field(world, login, field, fields, message):
    response = login(world.researcher).post(reverse("research_fit"), form_data(**fields))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ResearchExport.objects.exists()


def test_the_bootstrap_cap_is_said_in_the_help():
    from alliance.web.research.forms import FitForm

    assert "2,000" in str(FitForm().fields["bootstrap"].help_text)


def test_every_preset_is_valid_lavaan_syntax():
    for name, preset in PRESETS.items():
        assert build_partable(preset.syntax).ov, name


@pytest.mark.django_db
def test_a_preset_fills_in_the_form(world, login):
    client = login(world.researcher)
    body = client.get(reverse("research_fit"), {"preset": "invariance"}).content.decode()
    assert "alliance =~ alliance_check_1 + alliance_check_2" in body
    assert 'name="group" value="service"' in body
    assert re.search(r'name="group_equal" value="intercepts"[^>]*checked', body)


@pytest.mark.django_db
def test_help_texts_and_errors_are_tied_to_their_fields(fit_world, login):
    client = login(fit_world.researcher)
    for response in (
        client.get(reverse("research_fit")),
        client.post(reverse("research_fit"), form_data(bootstrap=5000)),
        client.post(reverse("research_fit"), form_data()),
    ):
        body = response.content.decode()
        ids = set(re.findall(r'\bid="([^"]+)"', body))
        for described in re.findall(r'aria-describedby="([^"]+)"', body):
            for one in described.split():
                assert one in ids, one
        assert body.count("<h1") == 1
        for table in re.findall(r"<table.*?</table>", body, re.S):
            assert "<caption" in table
            assert 'scope="col"' in table


@pytest.mark.django_db
def test_the_page_lists_the_variables_a_model_may_name(fit_world, login):
    client = login(fit_world.researcher)
    body = client.get(reverse("research_fit"), {"preset": "cfa"}).content.decode()
    assert 'id="variables"' in body
    assert "<code>alliance_check_1</code>" in body
    wide = client.get(reverse("research_fit")).content.decode()
    assert "<code>alliance_check_score_s1</code>" in wide
    response = client.post(
        reverse("research_fit"), form_data(model="alliance =~ alliance_check_1 + nope + x")
    )
    body = response.content.decode()
    assert "Unknown columns in the model: nope, x" in body
    assert "<code>alliance_check_1</code>" in body
