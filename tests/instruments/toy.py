"""A small made-up instrument for tests: reverse keys, subscales, bands, J&T change."""

from __future__ import annotations

import copy
from typing import Any

_TOY: dict[str, Any] = {
    "schema_version": 1,
    "id": "toy",
    "name": {"en": "Toy scale", "de": "Spielskala"},
    "short_name": "Toy",
    "version": "1",
    "construct": "outcome",
    "respondent": "client",
    "languages": ["en", "de"],
    "recall_period": {"en": "the last week", "de": "die letzte Woche"},
    "validated": False,
    "text_may_be_shown": True,
    "licence": "Test fixture, not an instrument.",
    "citation": "Alliance test suite.",
    "answer_sets": {
        "five": {
            "kind": "likert",
            "options": [
                {"value": v, "label": {"en": f"en {v}", "de": f"de {v}"}} for v in (1, 2, 3, 4, 5)
            ],
        }
    },
    "items": [
        {"id": str(n), "answers": "five", "text": {"en": f"Item {n}", "de": f"Frage {n}"}}
        for n in range(1, 5)
    ],
    "reverse_keyed": ["2", "4"],
    "subscales": [
        {"id": "a", "name": {"en": "A", "de": "A"}, "items": ["1", "2"]},
        {"id": "b", "name": {"en": "B", "de": "B"}, "items": ["3", "4"], "max_missing": 1},
    ],
    "scoring": {
        "method": "sum",
        "max_missing": 1,
        "round_prorated": True,
        "range": {"min": 4, "max": 20},
    },
    "direction": "higher_is_worse",
    "bands": [
        {"id": "low", "min": 4, "max": 9, "label": {"en": "Low", "de": "Niedrig"}},
        {"id": "high", "min": 10, "max": 20, "label": {"en": "High", "de": "Hoch"}},
    ],
    "clinical_cutoff": {"value": 10, "clinical_if": "ge", "source": "test"},
    "reliable_change": {
        "method": "jacobson_truax",
        "reliability": 0.90,
        "sd": 7.7,
        "source": "CORE-10 figures from the reference (clinical SD 7.7, alpha .90)",
    },
    "critical_items": [
        {
            "item": "3",
            "op": "ge",
            "value": 5,
            "message": {"en": "Item 3 at maximum", "de": "Frage 3 maximal"},
        }
    ],
}


def toy_definition() -> dict[str, Any]:
    """A fresh, valid definition dict (deep copy: mutate freely)."""
    return copy.deepcopy(_TOY)
