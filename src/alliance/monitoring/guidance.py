"""Guidance library: next steps per signal type, kept as YAML data files, validated at load."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from alliance.monitoring.signals import SIGNAL_TYPES

GUIDANCE_DIR = Path(__file__).with_name("guidance")
APPROACHES = ("direct", "indirect")
FOCI = ("immediate", "exploratory")
MARKERS = ("withdrawal", "confrontation")


class GuidanceError(ValueError):
    """A guidance file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Strategy:
    """A 3RS rupture-resolution strategy (Eubanks, Muran & Safran)."""

    name: str
    approach: str
    focus: str


@dataclass(frozen=True)
class Step:
    """One concrete next step."""

    id: str
    text: str
    strategy: Strategy | None = None
    markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guidance:
    """The guidance for one signal type."""

    signal_type: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    sources: tuple[str, ...]

    def for_marker(self, marker: str | None) -> tuple[Step, ...]:
        """Return the steps that apply to a withdrawal or confrontation marker (all if None)."""
        if marker is None:
            return self.steps
        return tuple(s for s in self.steps if not s.markers or marker in s.markers)


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GuidanceError(f"{where}: '{key}' must be a non-empty text")
    return value.strip()


def parse_guidance(data: Any, where: str) -> Guidance:
    """Validate one parsed guidance file and return it (``where`` names it in errors)."""
    if not isinstance(data, dict):
        raise GuidanceError(f"{where}: expected a mapping at the top level")
    allowed = {"signal_type", "title", "summary", "steps", "sources"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise GuidanceError(f"{where}: unknown field(s) {', '.join(unknown)}")
    signal_type = _text(data, "signal_type", where)
    if signal_type not in SIGNAL_TYPES:
        raise GuidanceError(
            f"{where}: signal_type {signal_type!r} is not one of {', '.join(SIGNAL_TYPES)}"
        )
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise GuidanceError(f"{where}: 'steps' must be a non-empty list")
    steps, seen = [], set()
    for i, s in enumerate(steps_raw):
        here = f"{where}: steps[{i}]"
        if not isinstance(s, dict):
            raise GuidanceError(f"{here}: expected a mapping")
        bad = sorted(set(s) - {"id", "text", "strategy", "markers"})
        if bad:
            raise GuidanceError(f"{here}: unknown field(s) {', '.join(bad)}")
        sid = _text(s, "id", here)
        if sid in seen:
            raise GuidanceError(f"{here}: duplicate id {sid!r}")
        seen.add(sid)
        strategy = None
        if s.get("strategy") is not None:
            st = s["strategy"]
            if not isinstance(st, dict):
                raise GuidanceError(f"{here}.strategy: expected a mapping")
            approach, focus = st.get("approach"), st.get("focus")
            if approach not in APPROACHES:
                raise GuidanceError(
                    f"{here}.strategy: approach must be one of {', '.join(APPROACHES)}"
                )
            if focus not in FOCI:
                raise GuidanceError(f"{here}.strategy: focus must be one of {', '.join(FOCI)}")
            strategy = Strategy(_text(st, "name", f"{here}.strategy"), approach, focus)
        markers = s.get("markers") or []
        if not isinstance(markers, list) or any(m not in MARKERS for m in markers):
            raise GuidanceError(f"{here}: markers must be a list of {', '.join(MARKERS)}")
        steps.append(Step(sid, _text(s, "text", here), strategy, tuple(markers)))
    if signal_type == "rupture" and not any(s.strategy for s in steps):
        raise GuidanceError(f"{where}: rupture guidance must name at least one 3RS strategy")
    sources = data.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(x, str) and x.strip() for x in sources):
        raise GuidanceError(f"{where}: 'sources' must be a list of texts")
    return Guidance(
        signal_type=signal_type,
        title=_text(data, "title", where),
        summary=_text(data, "summary", where),
        steps=tuple(steps),
        sources=tuple(sources),
    )


def load_guidance_dir(directory: Path | str) -> dict[str, Guidance]:
    """Load and validate every ``*.yaml`` in ``directory``; one file per signal type."""
    out: dict[str, Guidance] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise GuidanceError(f"{path.name}: not valid YAML: {exc}") from exc
        g = parse_guidance(data, path.name)
        if g.signal_type in out:
            raise GuidanceError(f"{path.name}: a second file for signal_type {g.signal_type!r}")
        out[g.signal_type] = g
    return out


@functools.cache
def load_guidance() -> dict[str, Guidance]:
    """Return the shipped guidance library (validated; every signal type must be covered)."""
    out = load_guidance_dir(GUIDANCE_DIR)
    missing = [t for t in SIGNAL_TYPES if t not in out]
    if missing:
        raise GuidanceError(f"guidance missing for signal type(s): {', '.join(missing)}")
    return out


def guidance_for(signal_type: str, marker: str | None = None) -> tuple[Guidance, tuple[Step, ...]]:
    """Return the guidance of ``signal_type`` and the steps that fit ``marker``."""
    g = load_guidance()[signal_type]
    return g, g.for_marker(marker)
