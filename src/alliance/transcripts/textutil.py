"""Small text helpers: transcription markers, word counts, time stamps."""

from __future__ import annotations

import re

# "(...)", "(…)", "(..)", "(.)" and timed pauses "(5)", "(5 Sek.)", "(3s)", "(2 sec)".
PAUSE_RE = re.compile(
    r"\((?:(?P<dots>\.{1,4}|…)|(?P<secs>\d+(?:[.,]\d+)?)\s*(?:s|sec|secs|seconds|sek|sek\.|sekunden)?\.?)\)",
    re.IGNORECASE,
)
UNCLEAR_RE = re.compile(
    r"\((?:unv|unverst|unverständlich|unclear|inaudible|unintelligible)\.?(?:[^)]*)\)",
    re.IGNORECASE,
)
# Any other parenthesised note, e.g. "(lacht)", "(laughs)", "(guess?)" is kept as text but
# not counted as words when it is a single non-verbal annotation.
NONVERBAL_RE = re.compile(
    r"\((?:lacht|lachen|laughs?|laughing|seufzt|sighs?|weint|cries|crying|räuspert sich|"
    r"clears throat|coughs?|hustet|pause|stille|silence)\)",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


def pauses_in(text: str) -> list[float | None]:
    """Return the pause markers in ``text``: seconds for timed ones, None for ``(...)``."""
    out: list[float | None] = []
    for m in PAUSE_RE.finditer(text):
        if m.group("secs") is not None:
            out.append(float(m.group("secs").replace(",", ".")))
        else:
            out.append(None)
    return out


def unclear_in(text: str) -> int:
    """Return how many ``(unv.)``-style markers ``text`` holds."""
    return len(UNCLEAR_RE.findall(text))


def strip_markers(text: str) -> str:
    """Return ``text`` without pause, unclear and non-verbal markers (for models and counts)."""
    text = PAUSE_RE.sub(" ", text)
    text = UNCLEAR_RE.sub(" ", text)
    text = NONVERBAL_RE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def count_words(text: str) -> int:
    """Count words after transcription markers are removed."""
    return len(WORD_RE.findall(strip_markers(text)))


_CLOCK_RE = re.compile(
    r"^(?:(?P<h>\d{1,3}):)?(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:[.,](?P<f>\d{1,3}))?$"
)


def parse_clock(value: str) -> float | None:
    """Parse ``hh:mm:ss[.fff]``, ``mm:ss[.fff]`` or plain seconds; None if it is not a time."""
    value = value.strip()
    if not value:
        return None
    m = _CLOCK_RE.match(value)
    if m:
        h = int(m.group("h") or 0)
        mi = int(m.group("m"))
        s = int(m.group("s"))
        if mi >= 60 or s >= 60:
            return None
        frac = m.group("f")
        f = int(frac) / (10 ** len(frac)) if frac else 0.0
        return h * 3600 + mi * 60 + s + f
    try:
        seconds = float(value.replace(",", "."))
    except ValueError:
        return None
    if seconds < 0 or seconds != seconds:  # negative or NaN
        return None
    return seconds


def format_clock(seconds: float | None) -> str | None:
    """Format seconds as ``hh:mm:ss``."""
    if seconds is None:
        return None
    total = int(round(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
