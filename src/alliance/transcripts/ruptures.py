"""Candidate rupture moments, after the 3RS marker categories.

The Rupture Resolution Rating System (3RS; Eubanks, Muran & Safran 2015) sorts rupture
markers into *withdrawal* (moving away from the practitioner or the work: denial, minimal
response, abstract communication, avoidant storytelling or shifting topic, deferential and
appeasing) and *confrontation* (moving against them: complaints about the practitioner,
rejecting an intervention, complaints about the activities, parameters or progress of the
work, defending oneself, trying to control or pressure). Marker names follow the manual as
summarised in shared/reference/instruments-and-methods.md §B4; the wording rules below are
ours. Each rule is transparent: a candidate carries the rule that fired and the words that
made it fire, for the practitioner to confirm or dismiss. Only client turns are read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from alliance.transcripts.model import Utterance
from alliance.transcripts.questions import is_open_question
from alliance.transcripts.textutil import WORD_RE, format_clock, strip_markers

WITHDRAWAL = "withdrawal"
CONFRONTATION = "confrontation"

MARKERS = {
    "minimal_response": WITHDRAWAL,
    "denial": WITHDRAWAL,
    "topic_shift": WITHDRAWAL,
    "abstract_talk": WITHDRAWAL,
    "deferential": WITHDRAWAL,
    "complaint_practitioner": CONFRONTATION,
    "complaint_work": CONFRONTATION,
    "rejecting_intervention": CONFRONTATION,
    "pressing_control": CONFRONTATION,
}


@dataclass(frozen=True)
class RuptureCandidate:
    """One moment worth a look. ``confidence`` is a rule weight in [0, 1], not a probability."""

    index: int
    time: float | None
    timestamp: str | None
    speaker: str
    marker: str
    category: str
    confidence: float
    reason: str
    evidence: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


_NEG = r"(?:not|n't|never)"
_AUX_NEG = r"(?:don't|do not|doesn't|does not|didn't|did not|won't|will not|can't|cannot|isn't|is not|aren't|are not|wasn't|was not|never)"

COMPLAINT_PRACTITIONER = _rx(
    rf"you(?: just| really| still)? {_AUX_NEG}(?: really| even)? (?:listen|listening|understand|get it|get me|hear me|care|help|know what)",
    r"you(?:'re| are) not (?:listening|helping|getting it|hearing me|understanding)",
    r"you(?:'re| are) (?:judging|lecturing|blaming|patronising|patronizing|condescending|pushing)(?: me)?",
    r"you (?:always|keep) (?:saying|telling|asking|pushing|bringing up|judging|interrupting)",
    r"you sound (?:just )?like my",
    r"you have no idea",
    r"you(?:'re| are) (?:no|not any) (?:help|better)",
    r"(?:stop|quit) (?:lecturing|judging|telling me|pushing|preaching)",
    r"who are you to",
    r"easy for you to say",
)
COMPLAINT_WORK = _rx(
    rf"(?:this|it|therapy|counsell?ing|coaching|talking) (?:is|isn't|is not|'s)? ?{_NEG} (?:working|helping|going anywhere)",
    r"(?:this|it|therapy|counsell?ing|coaching|talking)(?:'s| is) not (?:working|helping|going anywhere)",
    r"(?:this|it|therapy|counsell?ing|coaching|talking) (?:isn't|doesn't|does not|didn't|did not|won't) (?:work|working|help|helping|change anything)",
    r"(?:a |such a |complete )?waste of (?:my )?(?:time|money)",
    r"(?:we're|we are|i'm|i am) not getting anywhere",
    r"going (?:a)?round in circles",
    r"nothing(?:'s| has| is)? (?:changed|changing|different|helped|helping)",
    r"what(?:'s| is) the point",
    r"(?:this|it|these sessions|therapy|coaching)(?:'s| is| are) (?:pointless|useless|a joke|not worth)",
    r"(?:why|what) am i (?:even )?(?:here|doing here|coming here)",
    r"(?:don't|do not) (?:see|know) (?:how|why) (?:this|talking|coming here)",
)
REJECTING = _rx(
    r"(?:that|this|it)(?:'s| is| will| would)? (?:not|never) (?:going|gonna) (?:to )?(?:work|help)",
    r"(?:that|this|it) (?:won't|wouldn't|will not|would not|doesn't|does not|can't|cannot) (?:work|help)(?! out fine)",
    r"i(?:'ve| have)? already tried (?:that|this|it)",
    r"i (?:tried|did) (?:that|this|it) (?:already|before)(?! and it (?:helped|worked))",
    r"i(?:'m| am) not (?:going|gonna) (?:to )?(?:do|try) (?:that|this|it)",
    r"i (?:won't|will not|refuse to) (?:do|try) (?:that|this|it)",
    r"(?:that|this)(?:'s| is) (?:stupid|ridiculous|silly|pointless|not for me|not me)",
    r"no way",
    r"(?:that|this) (?:doesn't|does not) (?:apply to|fit) me",
    r"i don't (?:want|need) (?:to do|to try) (?:that|this|it)",
)
PRESSING = _rx(
    r"just tell me what (?:to do|i should do|i need to do)",
    r"(?:can|could) we (?:just )?(?:move on|stop|skip|change the subject|talk about something else)",
    r"i don't want to (?:talk|speak) about (?:that|this|it)",
    r"i(?:'m| am) not (?:answering|talking about) (?:that|this)",
    r"why (?:do|are) you (?:keep )?(?:asking|ask) (?:me )?(?:that|this|all these)",
    r"give me (?:an answer|a solution|something|the answer)",
    r"you (?:need|have) to (?:tell|give|fix|help) me",
    r"(?:let's|let us) (?:just )?(?:move on|drop it|leave it)",
    r"enough (?:about|of) (?:that|this)",
    r"i(?:'ll| will) decide",
)
DENIAL = _rx(
    r"i(?:'m| am) (?:fine|okay|ok|alright|all right)(?:,? (?:really|honestly|seriously))?",
    r"(?:it's|it is|that's|that is) (?:fine|nothing|no big deal|not a big deal|not a problem|not an issue|not important)",
    r"nothing(?:'s| is) wrong",
    r"(?:it|that) (?:doesn't|does not) (?:bother|affect|matter to|upset) me",
    r"i (?:don't|do not) (?:have|see) (?:a|any) problem",
    r"(?:there's|there is) no problem",
    r"no big deal",
    r"i don't (?:really )?care",
    r"doesn't matter",
)
DEFERENTIAL = _rx(
    r"you(?:'re| are) (?:absolutely |totally |completely |so )?right",
    r"you know best",
    r"(?:whatever|anything) you (?:think|say|want|suggest)",
    r"i(?:'ll| will) do (?:whatever|anything) you (?:say|want|think|suggest)",
    r"if you say so",
    r"sorry,? (?:i'm|i am) (?:being|so) (?:difficult|stupid|annoying|a pain)",
    r"i(?:'m| am) sorry (?:for|to) (?:waste|wasting|bother|bothering)",
    r"you(?:'re| are) the (?:expert|professional|doctor|therapist)",
)
TOPIC_SHIFT = re.compile(
    r"(?:^|[.!?]\s+)(?:(?:so|but|oh|well|um|uh)[,.]?\s+)*anyway\b|"
    + _rx(
        r"by the way",
        r"on (?:a different|another) (?:note|topic|subject)",
        r"speaking of",
        r"(?:that|which) reminds me",
        r"changing the subject",
        r"(?:can|could) (?:we|i) (?:talk|tell you) about something else",
        r"something else (?:happened|i wanted)",
        r"oh,? did i tell you",
    ).pattern,
    re.IGNORECASE,
)
ABSTRACT = _rx(
    r"people (?:like|always|never|tend|in general|generally|just)",
    r"(?:everyone|everybody|anyone|anybody|nobody|no one) (?:does|has|is|feels|knows|would)",
    r"in general",
    r"generally speaking",
    r"(?:society|human nature|human beings|humans|the world) (?:is|are|has|have)",
    r"(?:one|you) (?:could|might|would|can) argue",
    r"(?:theoretically|philosophically|hypothetically|statistically)",
    r"(?:life|that's life|it's just how it is|that's just how it is|that's how things are)",
    r"the thing about (?:life|people|men|women)",
)
MINIMAL = re.compile(
    r"^(?:(?:yes|yeah|yep|yup|no|nope|nah|okay|ok|fine|sure|maybe|right|mm-?hmm|mhm|hm+|uh-?huh|"
    r"i guess|i suppose|i don't know|dunno|not really|not sure|whatever|i don't mind|"
    r"if you say so|could be|perhaps|i don't remember|nothing|no idea|kind of|sort of)[\s,.!]*)+$",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|myself|mine)\b", re.IGNORECASE)
_STOP = set(
    "the a an and or but so to of in on at for with is are was were be been it that this i you "
    "me my your we they he she them his her do did does have has had not no yes yeah okay ok "
    "just really um uh like know think what how why when where there here about would could "
    "can will if then well oh mm hmm right its it's i'm you're don't".split()
)


def _content_words(text: str) -> set[str]:
    words = {w.lower() for w in WORD_RE.findall(text)}
    return {w for w in words if w not in _STOP and len(w) > 2}


def _asked(u: Utterance | None) -> bool:
    if u is None:
        return False
    return u.code == "question" or u.text.rstrip().endswith("?")


def _open_invitation(u: Utterance | None) -> bool:
    if u is None or not _asked(u):
        return False
    return u.open_question if u.open_question is not None else is_open_question(u.text)


def _first_match(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(0).strip(" .!?") if m else None


def find_rupture_candidates(utterances: Sequence[Utterance]) -> list[RuptureCandidate]:
    """Apply the marker rules to each client turn; at most one candidate per marker and turn.

    Rules (confidence in brackets):

    * complaint_practitioner / complaint_work / rejecting_intervention / pressing_control
      (0.8, 0.75 when the previous practitioner turn was not a question or reflection):
      wording rules on the client turn.
    * minimal_response: a client turn of at most three words of the minimal kind ("yeah",
      "I don't know", "fine") that answers an open practitioner question (0.6), or any
      question when it is the third minimal reply in a row (0.45); +0.15 from the third.
    * denial: "I'm fine", "it's no big deal" ... after a practitioner question or reflection
      (0.5), elsewhere 0.35.
    * deferential: "you're right", "whatever you think" ... (0.5).
    * topic_shift: a shift phrase (a sentence opening "Anyway", "by the way") in a reply
      that shares no content word with the practitioner's turn before it (0.55).
    * abstract_talk: a reply of 15+ words to a practitioner turn with a generalising phrase
      ("people always", "that's life") and fewer than one first-person word per 15 words (0.45).
    """
    out: list[RuptureCandidate] = []
    minimal_run = 0
    for pos, u in enumerate(utterances):
        if u.role != "client":
            continue
        prev = None
        for j in range(pos - 1, -1, -1):
            if utterances[j].role == "practitioner":
                prev = utterances[j]
                break
            if utterances[j].role == "client":
                break  # the client is still talking: no practitioner turn just before
        text = strip_markers(u.text)
        n_words = len(WORD_RE.findall(text))
        hits: list[tuple[str, float, str, str]] = []
        add = hits.append

        engaged = prev is not None and (prev.code in ("question", "reflection") or _asked(prev))
        for marker, pattern, label in (
            ("complaint_practitioner", COMPLAINT_PRACTITIONER, "complains about the practitioner"),
            ("complaint_work", COMPLAINT_WORK, "complains about the work or its progress"),
            ("rejecting_intervention", REJECTING, "rejects a suggestion or intervention"),
            ("pressing_control", PRESSING, "presses to control the session"),
        ):
            found = _first_match(pattern, text)
            if found:
                add((marker, 0.8 if engaged else 0.75, f"The client {label}: “{found}”.", found))

        is_minimal = bool(text) and n_words <= 3 and MINIMAL.match(text) is not None
        if not text and u.pauses:
            is_minimal = True  # only a pause: the client says nothing
        minimal_run = minimal_run + 1 if is_minimal else 0
        is_open = _open_invitation(prev)
        # A short answer to a closed question is just an answer; it counts when it is the
        # third short reply in a row (the client going quiet).
        if is_minimal and _asked(prev) and (is_open or minimal_run >= 3):
            conf = 0.6 if is_open else 0.45
            reason = f"A minimal answer to {'an open' if is_open else 'a'} question"
            if minimal_run >= 3:
                conf += 0.15
                reason += f", {minimal_run} short replies in a row"
            quoted = text.rstrip(".!?,") or "(silence)"
            add(("minimal_response", round(conf, 2), reason + f": “{quoted}”.", text))

        found = _first_match(DENIAL, text)
        if found and not is_minimal:
            conf = 0.5 if engaged else 0.35
            add(("denial", conf, f"The client waves the topic away: “{found}”.", found))

        found = _first_match(DEFERENTIAL, text)
        if found:
            add(("deferential", 0.5, f"Deferential or appeasing agreement: “{found}”.", found))

        if prev is not None and text:
            overlap = _content_words(text) & _content_words(prev.text)
            found = _first_match(TOPIC_SHIFT, text)
            if found and not overlap:
                add(
                    (
                        "topic_shift",
                        0.55,
                        f"The client changes the subject (“{found}”) without taking up the "
                        "practitioner's words.",
                        found,
                    )
                )
            found = _first_match(ABSTRACT, text)
            first_person = len(_FIRST_PERSON.findall(text))
            if found and n_words >= 15 and first_person * 15 < n_words:
                add(
                    (
                        "abstract_talk",
                        0.45,
                        f"Abstract, generalising talk with little about the client (“{found}”).",
                        found,
                    )
                )
        for marker, conf, reason, evidence in hits:
            out.append(
                RuptureCandidate(
                    index=u.index,
                    time=u.time,
                    timestamp=format_clock(u.time),
                    speaker=u.speaker,
                    marker=marker,
                    category=MARKERS[marker],
                    confidence=conf,
                    reason=reason,
                    evidence=evidence,
                    text=u.text,
                )
            )
    return out
