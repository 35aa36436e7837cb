"""The client's one-minute check, reached through a single-use link without an account.

These pages show nothing about the client or the practitioner beyond the practice's name.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from alliance.instruments import load_instrument
from alliance.web.measures import actions
from alliance.web.measures.forms import InstrumentForm


def _language(check) -> str:
    return check.session.episode.client.preferred_language or "en"


def _closed(request: HttpRequest, state: str, organisation=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "measures/client_closed.html",
        {
            "state": state,
            "organisation": organisation,
            "tablet": request.session.get("tablet_mode", False),
        },
        status=status,
    )


@never_cache
@csrf_protect
def client_check(request: HttpRequest, token: str) -> HttpResponse:
    check = actions.find_check(token)
    if check is None:
        return _closed(request, "unknown", status=404)
    lang = _language(check)
    with translation.override(lang):
        if check.state == "answered":
            return redirect("client_check_thanks", token=token)
        if not check.is_open:
            return _closed(request, check.state, check.organisation, status=410)
        key = f"check-{check.public_id}"
        stored: dict = request.session.get(key, {})
        pending = [i for i in check.instrument_ids if i not in stored]
        if request.method == "POST" and request.POST.get("back") and stored:
            # Back to the step before, with the answers given there still chosen.
            last = list(stored)[-1]
            request.session[f"{key}-again"] = {last: stored.pop(last)}
            request.session[key] = stored
            return redirect("client_check", token=token)
        if not pending:  # every step answered but not yet stored (e.g. a retry)
            return _submit(request, check, token, stored, key)
        instrument = load_instrument(pending[0])
        again = request.session.get(f"{key}-again", {})
        form = InstrumentForm(
            request.POST or None,
            instrument=instrument,
            lang=lang,
            previous=again.get(instrument.id),
        )
        if request.method == "POST" and form.is_valid():
            request.session.pop(f"{key}-again", None)
            stored = {**stored, instrument.id: form.answers()}
            if len(stored) < len(check.instrument_ids):
                request.session[key] = stored
                return redirect("client_check", token=token)
            # The last step goes straight to the database: no session row is written for it.
            return _submit(request, check, token, stored, key)
        step = len(stored) + 1
        return render(
            request,
            "measures/client_check.html",
            {
                "organisation": check.organisation,
                "instrument": instrument,
                "instructions": instrument.instructions(lang),
                "recall": instrument.recall_period(lang),
                "name": instrument.name(lang),
                "validation_note": instrument.validation_note(lang),
                "form": form,
                "step": step,
                "steps": len(check.instrument_ids),
                "progress": int(100 * (step - 1) / len(check.instrument_ids)),
                "can_go_back": bool(stored),
                "lang": lang,
            },
        )


def _forget_steps(request: HttpRequest, key: str) -> None:
    for name in (key, f"{key}-again"):
        request.session.pop(name, None)


def _submit(request: HttpRequest, check, token: str, stored, key) -> HttpResponse:
    try:
        state, _responses = actions.submit_check(check, stored)
    except ValidationError:
        _forget_steps(request, key)
        return redirect("client_check", token=token)
    _forget_steps(request, key)
    # "held": stored aside for the practitioner; the client is thanked as for "stored".
    if state not in {"stored", "held", "answered"}:
        return _closed(request, state, check.organisation, status=410)
    # Only the browser that sent the answers may be told what they said (the crisis lines).
    request.session[_answered_here(check)] = True
    return redirect("client_check_thanks", token=token)


def _answered_here(check) -> str:
    return f"check-{check.public_id}-answered-here"


@never_cache
def client_check_thanks(request: HttpRequest, token: str) -> HttpResponse:
    check = actions.find_check(token)
    if check is None or check.state != "answered":
        return _closed(request, "unknown", status=404)
    with translation.override(_language(check)):
        # Anyone else holding the used link (a forwarded e-mail, a shared tablet's history)
        # is thanked, never told that the answers held a critical item.
        critical = request.session.get(_answered_here(check), False) and (
            check.responses.filter(critical=True).exists()
            or check.held_answers.filter(critical=True).exists()
        )
        return render(
            request,
            "measures/client_thanks.html",
            {
                "organisation": check.organisation,
                "critical": critical,
                "crisis_contacts": check.organisation.crisis_contacts,
                "tablet": request.session.get("tablet_mode", False),
            },
        )
