"""Open versus closed questions, by transparent wording rules.

An open question invites the client to answer at length ("What ...", "How ...", "Tell me
about ..."); a closed one can be answered yes/no or with a fact ("Do you ...", "Is it ...",
"How many ..."). After MITI 4.2.1 (Moyers, Manuel & Ernst 2016), which counts an utterance
as one question: when a turn holds several, an open one makes it open.
"""

from __future__ import annotations

import re

_FILLER = (
    r"(?:(?:so|and|but|okay|ok|well|um|uh|hmm|now|yeah|alright|all right|right|then)[,.]?\s+)*"
)
_OPEN_START = re.compile(
    r"^\s*" + _FILLER + r"(?:"
    r"what(?!\s+time\b)|how(?!\s+(?:many|much|long|often|old|far)\b)|why|in what way|"
    r"tell me|can you tell me|could you tell me|would you tell me|help me understand|"
    r"describe|talk (?:to me )?about|say more|can you say more|could you say more|"
    r"walk me through|explain|what's|how's|where do you see|where would you"
    r")\b",
    re.IGNORECASE,
)
_OPEN_ANYWHERE = re.compile(
    r"\b(?:tell me (?:more|about)|say (?:a (?:little|bit) )?more|what (?:do|did|would|else|"
    r"are|is|was|might|could|makes|made|brings|brought)|how (?:do|did|would|does|are|is|"
    r"might|could|can) (?:you|that|it|things|this)|why (?:do|did|is|would)|help me "
    r"understand|in what ways?)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.?!]*\?")


def is_open_question(text: str) -> bool:
    """Return True when the turn holds an open question (see the module docstring)."""
    pieces = [p.strip() for p in _SENTENCE.findall(text)] or [text]
    for piece in pieces:
        # Sentences inside a question turn can start after a comma ("So, what ...").
        clauses = re.split(r"[,;:—–-]\s+", piece)
        if any(_OPEN_START.search(c) for c in clauses) or _OPEN_ANYWHERE.search(piece):
            return True
    # Imperative invitations without a question mark ("Tell me about your week.").
    return bool(
        "?" not in text and _OPEN_START.search(text) and re.search(r"\btell me\b", text, re.I)
    )
