"""Map speaker labels to roles (practitioner, client, interpreter, other).

The automatic guess reads the label itself (``T``, ``Therapist``, ``Klientin``, ``B2`` ...),
resolves ambiguous letters from the other labels (``P`` is the practitioner beside ``C`` but
the patient beside ``T``), and for labels that are names it gives the practitioner role to the
person who asks the most questions. A user-supplied mapping always wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from alliance.transcripts.model import ROLES, TranscriptError

_PRACTITIONER = {
    "t", "th", "ther", "therapist", "therapeut", "therapeutin", "psychotherapist",
    "counsellor", "counselor", "couns", "coach", "practitioner", "prac", "clinician",
    "psychologist", "psychologe", "psychologin", "berater", "beraterin", "interviewer",
    "interviewerin", "i", "int", "doctor", "dr", "nurse", "mi", "provider", "helper",
    "social worker", "caseworker", "facilitator", "mentor", "supervisor",
}  # fmt: skip
_CLIENT = {
    "c", "cl", "client", "klient", "klientin", "patient", "patientin", "pat", "pt",
    "coachee", "b", "befragte", "befragter", "befragt", "respondent", "resp",
    "interviewee", "participant", "part", "k", "customer", "consumer", "person",
}  # fmt: skip
_INTERPRETER = {
    "interpreter", "interp", "translator", "dolmetscher", "dolmetscherin", "d", "dol",
    "übersetzer", "übersetzerin", "sprachmittler", "sprachmittlerin", "trans",
}  # fmt: skip
# "Speaker 1"/"Speaker 2" (diarised recordings) are left to the question rule, like names.
_OTHER = {"other", "unknown", "x", "partner", "parent", "observer", "guest"}


def normalise_label(label: str) -> str:
    """Lower-case a label and drop numbering, dots and brackets (``"B2."`` → ``"b"``)."""
    base = label.strip().lower()
    base = re.sub(r"[\[\]().]", "", base)
    base = re.sub(r"[\s_-]*\d+$", "", base)
    return re.sub(r"\s+", " ", base).strip()


def _base_role(label: str) -> str | None:
    base = normalise_label(label)
    if base in _INTERPRETER:
        return "interpreter"
    if base in _PRACTITIONER:
        return "practitioner"
    if base in _CLIENT:
        return "client"
    if base in _OTHER:
        return "other"
    first = base.split(" ")[0] if base else ""
    if first in {"therapist", "counsellor", "counselor", "coach", "dr", "doctor"}:
        return "practitioner"
    if first in {"client", "patient", "klient", "klientin", "patientin"}:
        return "client"
    if first in {"interpreter", "dolmetscher", "dolmetscherin"}:
        return "interpreter"
    return None


def guess_roles(
    speakers: Iterable[str], questions: Mapping[str, float] | None = None
) -> dict[str, str]:
    """Guess a role for each speaker label.

    ``questions`` maps a label to the share of its turns that end in a question mark; it
    decides between two unknown names (the one who asks more is taken as the practitioner).
    """
    labels = list(dict.fromkeys(speakers))
    bases = {s: normalise_label(s) for s in labels}
    present = set(bases.values())
    roles: dict[str, str] = {}
    unknown: list[str] = []
    for s in labels:
        b = bases[s]
        if b == "p":
            # P/C: practitioner/client; T/P or I/P: therapist or interviewer and patient.
            roles[s] = "client" if present & {"t", "th", "i", "therapist"} else "practitioner"
            continue
        role = _base_role(s)
        if role is None:
            unknown.append(s)
        else:
            roles[s] = role
    if unknown:
        has_prac = "practitioner" in roles.values()
        has_client = "client" in roles.values()
        q = questions or {}
        ranked = sorted(unknown, key=lambda s: (-q.get(s, 0.0), labels.index(s)))
        for s in ranked:
            if not has_prac:
                roles[s] = "practitioner"
                has_prac = True
            elif not has_client:
                roles[s] = "client"
                has_client = True
            else:
                roles[s] = "other"
    return {s: roles[s] for s in labels}


def apply_speaker_map(
    guessed: Mapping[str, str], speaker_map: Mapping[str, str] | None
) -> tuple[dict[str, str], dict[str, bool]]:
    """Overlay a user mapping on the guessed roles; return (roles, guessed-flag per label).

    Raises ``TranscriptError`` for an unknown role or a label not in the transcript.
    Labels are matched exactly first, then case-insensitively.
    """
    roles = dict(guessed)
    flags = {s: True for s in roles}
    if not speaker_map:
        return roles, flags
    lower = {s.lower(): s for s in roles}
    for label, role in speaker_map.items():
        role_n = str(role).strip().lower()
        if role_n not in ROLES:
            raise TranscriptError(
                f"speaker map gives {label!r} the unknown role {role!r}",
                expected="one of " + ", ".join(ROLES),
            )
        key = label if label in roles else lower.get(str(label).strip().lower())
        if key is None:
            raise TranscriptError(
                f"speaker map names {label!r}, who does not speak in this transcript",
                expected="one of " + ", ".join(repr(s) for s in roles),
            )
        roles[key] = role_n
        flags[key] = False
    return roles, flags
