"""The library of opening and closing rituals, kept as data files in `rituals/*.yaml`.

Each file holds one ritual: ``id`` (the file's name), ``kind`` (opening or closing),
``category`` and per-language ``title`` and ``text`` (English required). Files are
validated when loaded; a problem raises RitualError naming the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RITUALS_DIR = Path(__file__).with_name("rituals")
KINDS = ("opening", "closing")
CATEGORIES = ("grounding", "check-in", "reflection", "appreciation")


class RitualError(ValueError):
    """A ritual file is malformed."""

    def __init__(self, path: Path, field: str, message: str) -> None:
        self.path = path
        self.field = field
        super().__init__(f"{path.name}: {field}: {message}")


@dataclass(frozen=True)
class Ritual:
    id: str
    kind: str
    category: str
    minutes: int
    titles: dict[str, str]
    texts: dict[str, str]

    def title(self, lang: str = "en") -> str:
        return self.titles.get(lang) or self.titles["en"]

    def text(self, lang: str = "en") -> str:
        return self.texts.get(lang) or self.texts["en"]


def _texts(path: Path, data: dict[str, Any], field: str) -> dict[str, str]:
    value = data.get(field)
    if not isinstance(value, dict) or not value:
        raise RitualError(path, field, "must map language codes to text, e.g. {en: ...}")
    if not isinstance(value.get("en"), str) or not value["en"].strip():
        raise RitualError(path, f"{field}.en", "the English text is required")
    for lang, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise RitualError(path, f"{field}.{lang}", "must be non-empty text")
    return {str(k): v.strip() for k, v in value.items()}


def parse_ritual(path: Path) -> Ritual:
    """Read and validate one ritual file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RitualError(path, "(file)", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RitualError(path, "(file)", "must be a mapping of fields")
    unknown = set(data) - {"id", "kind", "category", "minutes", "title", "text"}
    if unknown:
        raise RitualError(path, sorted(unknown)[0], "unknown field")
    if data.get("id") != path.stem:
        raise RitualError(path, "id", f"must equal the file name {path.stem!r}")
    if data.get("kind") not in KINDS:
        raise RitualError(path, "kind", f"must be one of {', '.join(KINDS)}")
    if data.get("category") not in CATEGORIES:
        raise RitualError(path, "category", f"must be one of {', '.join(CATEGORIES)}")
    minutes = data.get("minutes", 2)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 20:
        raise RitualError(path, "minutes", "must be a whole number from 1 to 20")
    return Ritual(
        id=data["id"],
        kind=data["kind"],
        category=data["category"],
        minutes=minutes,
        titles=_texts(path, data, "title"),
        texts=_texts(path, data, "text"),
    )


def load_rituals(directory: Path | None = None) -> dict[str, Ritual]:
    """Return every ritual in `directory` (the shipped library by default), by id."""
    if directory is None:
        return dict(_shipped())
    return {r.id: r for r in (parse_ritual(p) for p in sorted(directory.glob("*.yaml")))}


@lru_cache(maxsize=1)
def _shipped() -> tuple[tuple[str, Ritual], ...]:
    return tuple((r.id, r) for r in (parse_ritual(p) for p in sorted(RITUALS_DIR.glob("*.yaml"))))


def ritual_choices(kind: str) -> list[tuple[str, str]]:
    """(id, title) of the rituals of `kind`, for a form's choices."""
    return [(r.id, r.title()) for r in load_rituals().values() if r.kind == kind]
