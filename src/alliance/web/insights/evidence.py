"""An alert's evidence in plain words, for the inbox card and the digest.

The engine's evidence is a dict of numbers under internal keys, and its method names
("self_report+statistical_1sd", "critical_item") mean nothing to a practitioner. The card
says what happened in one or two sentences; the raw table, method included, lives in the
card's "Details" disclosure only (see ``detail_rows``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.instruments import load_instrument

# The evidence key that names the last session of a signal that spans several sessions.
LAST_SESSION_KEYS = ("last_low_session", "last_off_track_session", "last_unanswered_session")

SIGNAL_STATE_LABELS = {
    "open": "",
    "repaired": "repaired",
    "unrepaired": "not repaired in time",
    "resolved": "no longer signalled",
    "gone": "no longer signalled",
}

# Labels for the details table; plain where a plain word exists.
DETAIL_LABELS = {
    "rules": "rules that fired",
    "rater": "rated by",
    "score": "score",
    "pre_rupture_level": "level before the rupture",
    "drop": "drop",
    "sd": "usual session-to-session spread (SD)",
    "sd_source": "spread estimated from",
    "size_sd": "size of the drop, in SDs",
    "noise_sd": "measurement noise in use (SD)",
    "noise_source": "noise from (the practice's estimate, or the instrument's default until there is enough data)",
    "labels": "literature criteria met (research labels)",
    "n_dips": "dips in this rupture",
    "threshold": "threshold",
    "bother": "how much it bothered (1–5)",
    "marker": "transcript marker",
    "moment": "transcript moment",
    "repair_session": "repaired at session",
    "repair_window": "repair window (sessions)",
    "lowest": "lowest",
    "low_cutoff": "low cut-off",
    "sessions_low": "sessions low",
    "last_low_session": "last low session",
    "sessions_below": "early sessions below",
    "practice_percentile": "practice percentile",
    "percentile": "percentile",
    "early_sessions": "early sessions",
    "client": "client's rating",
    "practitioner": "your rating",
    "gap": "gap",
    "gap_limit": "gap limit",
    "client_change": "client's change",
    "practitioner_change": "your change",
    "unanswered_in_a_row": "checks unanswered in a row",
    "last_unanswered_session": "last unanswered session",
    "subscale": "item",
    "rule": "rule",
    "intake": "intake score",
    "expected_median": "expected (median)",
    "corridor_bound": "corridor bound",
    "bound": "corridor bound",
    "reliable_change": "reliable change",
    "reason": "reason",
    "sessions_off_track": "sessions off track",
    "last_off_track_session": "last off-track session",
    "model_fitted_at": "model fitted",
    "model_n_episodes": "model episodes",
    "t": "sessions since intake",
    "sessions_since_intake": "sessions since intake",
}
SKIP_DETAILS = {"censored"}


def fmt(value) -> str:
    """Format one evidence value for reading: two decimals at most, lists joined."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def instrument_name(instrument_id: str) -> str:
    """Return the instrument's short name (its id when it is not in the library)."""
    if not instrument_id:
        return ""
    try:
        return load_instrument(instrument_id).short_name
    except (KeyError, LookupError, ValueError):
        return instrument_id


def session_span(alert) -> tuple[int | None, int | None]:
    """Return the first and last session the alert is about (the same when it is one)."""
    first = alert.session_number
    evidence = alert.evidence or {}
    last = next((evidence[k] for k in LAST_SESSION_KEYS if evidence.get(k) is not None), None)
    below = evidence.get("sessions_below")
    if last is None and isinstance(below, list) and below:
        last = max(below)
    if first is None or last is None:
        return first, first if last is None else last
    return min(first, int(last)), max(first, int(last))


def sessions_label(alert) -> str:
    """Return "session 4" or "sessions 1–4", matching the evidence's span."""
    first, last = session_span(alert)
    if first is None:
        return ""
    if last is None or last == first:
        return _("session %(n)s") % {"n": first}
    return _("sessions %(first)s–%(last)s") % {"first": first, "last": last}


def state_label(alert) -> str:
    """Return the signal's state in plain words ("" while it is simply open)."""
    label = SIGNAL_STATE_LABELS.get(alert.signal_state, alert.signal_state.replace("_", " "))
    return _(label) if label else ""


def _rupture(e: dict, alert) -> list[str]:
    parts = []
    who = _("your") if e.get("rater") == "practitioner" else _("the client's")
    if e.get("pre_rupture_level") is not None and e.get("score") is not None:
        text = _("%(who)s alliance rating fell from %(before)s to %(score)s") % {
            "who": who,
            "before": fmt(e["pre_rupture_level"]),
            "score": fmt(e["score"]),
        }
        if e.get("size_sd") is not None:
            text += _(", about %(k)s times the usual change between sessions") % {
                "k": fmt(round(float(e["size_sd"]), 1))
            }
        parts.append(text[0].upper() + text[1:] + ".")
    if e.get("bother") is not None:
        parts.append(
            _("The client reported tension in the session that bothered them %(n)s out of 5.")
            % {"n": fmt(e["bother"])}
        )
    if e.get("marker"):
        parts.append(
            _("The transcript shows a possible %(marker)s moment.")
            % {"marker": str(e["marker"]).replace("_", " ")}
        )
    if e.get("repair_session") is not None:
        parts.append(_("Repaired at session %(n)s.") % {"n": e["repair_session"]})
    elif alert.signal_state == "unrepaired" and e.get("repair_window"):
        parts.append(
            ngettext(
                "Not back to the earlier level within %(n)s session.",
                "Not back to the earlier level within %(n)s sessions.",
                int(e["repair_window"]),
            )
            % {"n": e["repair_window"]}
        )
    elif e.get("repair_window"):
        parts.append(_("Watch the next %(n)s sessions for a repair.") % {"n": e["repair_window"]})
    return parts


def _not_on_track(e: dict, alert) -> list[str]:
    parts = []
    name = instrument_name(alert.instrument_id) or _("The outcome score")
    if e.get("intake") is not None and e.get("score") is not None:
        parts.append(
            _("%(name)s went from %(intake)s at intake to %(score)s at session %(n)s.")
            % {
                "name": name,
                "intake": fmt(e["intake"]),
                "score": fmt(e["score"]),
                "n": alert.session_number,
            }
        )
    if e.get("reason"):
        reason = str(e["reason"])
        parts.append(reason[0].upper() + reason[1:] + ".")
    elif e.get("expected_median") is not None:
        parts.append(
            _("Clients like them usually score about %(x)s at this point.")
            % {"x": fmt(e["expected_median"])}
        )
    if e.get("sessions_off_track"):
        parts.append(
            ngettext(
                "Off track in %(n)s session, the last at session %(last)s.",
                "Off track in %(n)s sessions, the last at session %(last)s.",
                int(e["sessions_off_track"]),
            )
            % {"n": e["sessions_off_track"], "last": e.get("last_off_track_session", "?")}
        )
    return parts


def _low(e: dict, alert) -> list[str]:
    n = int(e.get("sessions_low") or 1)
    values = {
        "cutoff": fmt(e.get("low_cutoff", "?")),
        "n": n,
        "lowest": fmt(e.get("lowest", e.get("score", "?"))),
        "last": e.get("last_low_session", alert.session_number),
    }
    if n == 1:
        text = _(
            "The client rated the alliance %(lowest)s at session %(last)s, below your "
            "practice's cut-off of %(cutoff)s."
        )
    else:
        text = _(
            "The client's alliance rating was below your practice's cut-off of %(cutoff)s "
            "in %(n)s sessions, lowest %(lowest)s, most recently at session %(last)s."
        )
    return [text % values]


def _early(e: dict, alert) -> list[str]:
    below = e.get("sessions_below") or [alert.session_number]
    parts = [
        ngettext(
            "In the early sessions (%(window)s) the client rated the alliance %(score)s "
            "at session %(sessions)s.",
            "In the early sessions (%(window)s) the client rated the alliance %(score)s "
            "at sessions %(sessions)s.",
            len(below) if isinstance(below, list) else 1,
        )
        % {
            "window": e.get("early_sessions", "3–5"),
            "score": fmt(e.get("score", "?")),
            "sessions": fmt(below),
        }
    ]
    reasons = []
    if e.get("low_cutoff") is not None and e.get("score") is not None:
        if float(e["score"]) < float(e["low_cutoff"]):
            reasons.append(_("below the cut-off of %(x)s") % {"x": fmt(e["low_cutoff"])})
    if e.get("practice_percentile") is not None:
        reasons.append(
            _("in the lowest quarter of your practice (below %(x)s)")
            % {"x": fmt(e["practice_percentile"])}
        )
    if reasons:
        parts.append(_("That is %(reasons)s.") % {"reasons": _(" and ").join(reasons)})
    return parts


def _disagreement(e: dict, alert) -> list[str]:
    parts = [
        _(
            "The client rated the alliance %(client)s and you rated it %(mine)s: "
            "a gap of %(gap)s, more than the %(limit)s your practice allows."
        )
        % {
            "client": fmt(e.get("client", "?")),
            "mine": fmt(e.get("practitioner", "?")),
            "gap": fmt(e.get("gap", "?")),
            "limit": fmt(e.get("gap_limit", "?")),
        }
    ]
    c, p = e.get("client_change"), e.get("practitioner_change")
    if c is not None and p is not None and (c > 0) != (p > 0) and c and p:
        parts.append(
            _("Since the session before, the client's rating went %(c)s and yours went %(p)s.")
            % {
                "c": (_("up by %(x)s") if c > 0 else _("down by %(x)s")) % {"x": fmt(abs(c))},
                "p": (_("up by %(x)s") if p > 0 else _("down by %(x)s")) % {"x": fmt(abs(p))},
            }
        )
    return parts


def _missing(e: dict, alert) -> list[str]:
    n = int(e.get("unanswered_in_a_row") or 0)
    return [
        ngettext(
            "%(n)s check in a row went unanswered, the last after session %(last)s.",
            "%(n)s checks in a row went unanswered, the last after session %(last)s.",
            n,
        )
        % {"n": n, "last": e.get("last_unanswered_session", alert.session_number)}
    ]


def _critical(e: dict, alert) -> list[str]:
    name = instrument_name(alert.instrument_id) or _("a questionnaire")
    item = e.get("subscale")
    if item and item != "total":
        return [
            _(
                "The client's answer to item %(item)s of the %(name)s at session %(n)s needs a "
                "prompt personal response."
            )
            % {"item": item, "name": name, "n": alert.session_number}
        ]
    return [
        _("An answer on the client's %(name)s at session %(n)s needs a prompt personal response.")
        % {"name": name, "n": alert.session_number}
    ]


SENTENCES = {
    "rupture": _rupture,
    "not_on_track": _not_on_track,
    "low_alliance": _low,
    "early_alliance": _early,
    "disagreement": _disagreement,
    "missing_checks": _missing,
    "critical": _critical,
}


def plain_evidence(alert) -> str:
    """Return what happened, in one to three plain sentences."""
    build = SENTENCES.get(alert.type)
    if build is None:
        return ""
    return " ".join(build(alert.evidence or {}, alert))


def detail_rows(alert) -> list[tuple[str, str]]:
    """Return the full evidence as (label, value) pairs, the engine's method last."""
    rows = []
    for key, value in (alert.evidence or {}).items():
        if value is None or value == "" or key in SKIP_DETAILS:
            continue
        if key == "subscale" and value == "total":
            continue  # a critical answer flagged on the total: the rule says which item
        rows.append((_(DETAIL_LABELS.get(key, key.replace("_", " "))), fmt(value)))
    if alert.method:
        rows.append((_("method"), alert.method))
    return rows
