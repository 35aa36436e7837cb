"""Each turn shows its own start time: no two turns show the same time wrongly."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.web_transcripts.samples import DRESING_PEHL, FORMATS, add_transcript


def _turn_times(html: str) -> list[tuple[str, str]]:
    """Return (kind, time) per turn: ("start", …) or ("until", …) or ("", "")."""
    out = []
    for meta in re.findall(r'<p class="tx-meta">(.*?)</p>', html, re.S):
        until = re.search(r'class="tx-until">until <time>([\d:]+)</time>', meta)
        start = re.search(r"</span> <time>([\d:]+)</time>", meta)
        out.append(
            ("until", until.group(1)) if until else ("start", start.group(1)) if start else ("", "")
        )
    return out


def test_dresing_pehl_turns_show_their_own_start(world, login):
    transcript = add_transcript(world.session, DRESING_PEHL)
    html = (
        login(world.owner).get(reverse("transcript", args=[transcript.public_id])).content.decode()
    )
    times = _turn_times(html)
    assert len(times) >= 3
    # The first turn has only its closing stamp (#00:00:05-2#): it runs "until" then, and the
    # second turn starts there. Before, both showed 00:00:05.
    assert times[0] == ("until", "00:00:05")
    assert times[1] == ("start", "00:00:05")
    starts = [t for kind, t in times if kind == "start"]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_timed_formats_show_distinct_starts(world, login):
    for fmt in ("webvtt", "srt"):
        transcript = add_transcript(world.session, FORMATS[fmt])
        html = (
            login(world.owner)
            .get(reverse("transcript", args=[transcript.public_id]))
            .content.decode()
        )
        starts = [t for kind, t in _turn_times(html) if kind == "start"]
        assert starts and len(set(starts)) == len(starts), (fmt, starts)
        transcript.delete()
