"""Which language a transcript is in, from its most common function words.

The motivational-interviewing codes and the rupture-marker wording rules were trained and
written on English (AnnoMI); on another language they give confident nonsense (a German
interview came out with "Open questions 0%"). A function-word profile is enough to tell
English from the languages clinics transcribe in: every language's most frequent words are
short closed-class words, and few of them are shared. Own heuristic, no model download.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The most frequent function words of each language (pronouns, articles, conjunctions,
# auxiliaries, negation); words shared between languages (e.g. "in", "was") are left out.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and you that it is of to this what how i'm don't it's have be with for "
        "about just think really they we my me your are can do not yeah so would there".split()
    ),
    "de": frozenset(
        "und ich die der das nicht ist es sie mit sich auch auf wie ein eine dass wir "
        "mir mich haben hat habe sind noch schon aber oder wenn dann ja nein doch mal "
        "jetzt also sehr immer kann wird".split()
    ),
    "fr": frozenset(
        "le la les et je vous que qui est pas une des du pour avec ce cette mais ou "
        "nous il elle sont ai avez suis très oui non moi".split()
    ),
    "es": frozenset(
        "el los las y que de usted yo una por para con pero muy sí también como "
        "esto eso está estoy tengo tiene cuando porque".split()
    ),
    "it": frozenset(
        "il gli che di è non una per con sono ma anche come questo quello molto sì "
        "perché io lei hai ho cosa".split()
    ),
    "nl": frozenset(
        "de het een en ik je niet is dat wat van ook maar met zijn heb hebt er nog "
        "wel heel als dan".split()
    ),
}
ENGLISH = "en"
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def detect_language(texts: Iterable[str], min_words: int = 8) -> str | None:
    """Return the language code whose function words cover most of ``texts``, or None.

    None when there are fewer than ``min_words`` words or no function word of any profile
    (too little to tell). Ties go to English, the models' language.
    """
    counts = dict.fromkeys(FUNCTION_WORDS, 0)
    n = 0
    for text in texts:
        for word in _WORD.findall(text.lower()):
            n += 1
            for lang, words in FUNCTION_WORDS.items():
                if word in words:
                    counts[lang] += 1
    if n < min_words or not any(counts.values()):
        return None
    best = max(counts.values())
    return ENGLISH if counts[ENGLISH] == best else max(counts, key=counts.__getitem__)
