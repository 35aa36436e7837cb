"""A hand-built practice at every threshold of the NHS Talking Therapies definitions.

Each episode's line says what it is there to test and what the paired definition makes of it
(PHQ-9 case ≥ 10, GAD-7 case ≥ 8; reliable change 6 and 4). The rows are written out of
order on purpose and episode D has sessions 2 and 10 (10 sorts before 2 as text).
"""

# episode, practitioner, service, [(session, phq9 or None, gad7 or None), ...]
EPISODES = {
    # PHQ-9 exactly 10 is a case; 9 + 7 at the end is not: recovered, change too small.
    "A": ("pA", "therapy", [(1, 10, 7), (4, 9, 7)]),
    # GAD-7 exactly 8 is a case: recovered.
    "B": ("pA", "therapy", [(1, 9, 8), (3, 9, 7)]),
    # Not a case at start (9, 7); falls by exactly 6 and 4: reliably improved, not recovered.
    "C": ("pA", "therapy", [(1, 9, 7), (2, 3, 3)]),
    # Sessions 2 and 10; PHQ-9 falls by exactly 6 to exactly 10: improved, still a case.
    "D": ("pB", "counselling", [(10, 10, 6), (2, 16, 10)]),
    # Falls by 6 and 4, GAD-7 ends at exactly 8: improved, still a case.
    "E": ("pB", "counselling", [(1, 15, 12), (5, 9, 8)]),
    # PHQ-9 rises by 6 while GAD-7 falls by 4: neither improved nor deteriorated.
    "F": ("pB", "counselling", [(1, 12, 9), (6, 18, 5)]),
    # PHQ-9 rises by exactly 6 to exactly 10: reliably deteriorated, a case at the end.
    "G": ("pB", "counselling", [(1, 4, 3), (3, 10, 7)]),
    # PHQ-9 and GAD-7 on different sessions: no paired session, left out.
    "H": ("pA", "therapy", [(1, 14, None), (2, None, 9), (3, 8, None), (4, None, 5)]),
    # One paired session only (then PHQ-9 alone): left out.
    "I": ("pA", "therapy", [(1, 20, 15), (2, 5, None)]),
    # Paired at 1 and 2 (falls 6 and 4, ends 8 + 5): reliably recovered; the PHQ-9 alone
    # at session 3 is not used by the paired definition but ends the PHQ-9 series.
    "J": ("pB", "counselling", [(1, 14, 9), (2, 8, 5), (3, 5, None)]),
    # Falls by 6 and 5 out of caseness: reliably recovered.
    "K": ("pA", "therapy", [(1, 11, 9), (2, 5, 4)]),
    # Rises by 5 and 3 (one short of each threshold) into caseness: no reliable change.
    "L": ("pB", "counselling", [(1, 5, 5), (2, 10, 8)]),
}

# Worked by hand from the comments above.
EXPECTED_ALL = {
    "episodes": 12,
    "counted": 10,
    "case_at_start": 7,  # A B D E F J K
    "recovered": 4,  # A B J K
    "reliably_improved": 5,  # C D E J K
    "reliably_deteriorated": 1,  # G
    "reliably_recovered": 2,  # J K
}
EXPECTED_PRACTITIONER = {
    "pA": {  # A B C H I K
        "episodes": 6,
        "counted": 4,
        "case_at_start": 3,
        "recovered": 3,
        "reliably_improved": 2,
        "reliably_deteriorated": 0,
        "reliably_recovered": 1,
    },
    "pB": {  # D E F G J L
        "episodes": 6,
        "counted": 6,
        "case_at_start": 4,
        "recovered": 1,
        "reliably_improved": 3,
        "reliably_deteriorated": 1,
        "reliably_recovered": 1,
    },
}
# PHQ-9 on its own (first and last PHQ-9 of each episode, cut-off 10, change 6):
# starts A10 B9 C9 D16 E15 F12 G4 H14 I20 J14 K11 L5; ends A9 B9 C3 D10 E9 F18 G10 H8 I5
# J5 K5 L10.
EXPECTED_PHQ9 = {
    "episodes": 12,
    "counted": 12,
    "case_at_start": 8,  # A D E F H I J K
    "recovered": 6,  # A E H I J K
    "reliably_improved": 7,  # C D E H I J K
    "reliably_deteriorated": 2,  # F G
    "reliably_recovered": 5,  # E H I J K
}


def rows() -> list[dict]:
    """One tidy row per score, written in a scrambled order."""
    out = []
    for episode, (practitioner, service, sessions) in EPISODES.items():
        for session, phq, gad in sessions:
            for instrument, score in (("gad7", gad), ("phq9", phq)):
                if score is not None:
                    out.append(
                        {
                            "episode": episode,
                            "session": session,
                            "instrument": instrument,
                            "score": score,
                            "practitioner": practitioner,
                            "service": service,
                        }
                    )
    return out[::-1][1::2] + out[::-1][0::2]


def csv_text() -> str:
    lines = ["episode,session,instrument,score,practitioner,service"]
    for r in rows():
        lines.append(
            f"{r['episode']},{r['session']},{r['instrument']},{r['score']},"
            f"{r['practitioner']},{r['service']}"
        )
    return "\n".join(lines) + "\n"
