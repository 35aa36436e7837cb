"""Prebuilt models offered on the fitting page, with the options they are meant for.

Each preset is the lavaan syntax of one of ``alliance.research.prebuilt``'s builders, written
with the column names of this practice's research data (``<instrument>_<item>`` in the long
layout, ``<instrument>_score_s<n>`` in the wide one), and the data and options it needs.
Choosing one only fills in the form: the researcher reads it, changes it and fits it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from alliance.research.prebuilt import (
    INVARIANCE_LEVELS,
    alliance_flourishing_syntax,
    riclpm_syntax,
)
from alliance.research.report import ALLIANCE_KEYS
from alliance.research.simulate import WAI_SUBSCALES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RICLPM_WAVES = 5


@dataclass(frozen=True)
class Preset:
    """A prebuilt model: its label, its syntax and the form's other fields."""

    label: StrOrPromise
    syntax: str
    fields: dict[str, Any] = field(default_factory=dict)


def _items(instrument: str, ids: Iterable[int | str]) -> list[str]:
    stem = instrument.replace("-", "_")
    return [f"{stem}_{i}" for i in ids]


def _alliance_cfa() -> str:
    return "alliance =~ " + " + ".join(
        _items("alliance-check", ALLIANCE_KEYS["alliance-check"]["alliance"])
    )


def _presets() -> dict[str, Preset]:
    waves = range(1, RICLPM_WAVES + 1)
    return {
        "cfa": Preset(
            _("One-factor CFA of the Alliance Check (first session)"),
            _alliance_cfa() + "\n",
            {"shape": "long", "session": 1, "instruments": ["alliance-check"]},
        ),
        "invariance": Preset(
            _("Measurement invariance of the Alliance Check across services (scalar)"),
            _alliance_cfa() + "\n",
            {
                "shape": "long",
                "session": 1,
                "instruments": ["alliance-check"],
                "group": "service",
                "group_equal": list(INVARIANCE_LEVELS["scalar"]),
            },
        ),
        "riclpm": Preset(
            _("RI-CLPM: alliance and PHQ-9 over sessions 1–5"),
            riclpm_syntax(
                [f"alliance_check_score_s{s}" for s in waves],
                [f"phq9_score_s{s}" for s in waves],
            ),
            {"shape": "wide", "missing": "ml", "instruments": ["alliance-check", "phq9"]},
        ),
        "flourishing": Preset(
            # The WAI-SR ships as structure only: its items have answers only once a clinic has
            # loaded its licensed text, so the preset says what it needs.
            _("Alliance (WAI-SR) → flourishing (needs WAI-SR item answers: licensed text loaded)"),
            alliance_flourishing_syntax(
                goal=_items("wai-sr", WAI_SUBSCALES["goal"]),
                task=_items("wai-sr", WAI_SUBSCALES["task"]),
                bond=_items("wai-sr", WAI_SUBSCALES["bond"]),
                flourishing=_items("flourishing", range(1, 9)),
            ),
            {"shape": "long", "instruments": ["wai-sr", "flourishing"]},
        ),
    }


PRESETS = _presets()
