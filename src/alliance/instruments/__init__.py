"""Instrument library: definitions as data files, validated at load.

>>> from alliance.instruments import load_instrument
>>> phq9 = load_instrument("phq9")
>>> phq9.text("9", "de")
'Gedanken, dass Sie lieber tot wären oder sich Leid zufügen möchten'
"""

from .loader import (
    SHIPPED_DIR,
    InstrumentDefinitionError,
    InstrumentError,
    InstrumentLibrary,
    UnknownInstrumentError,
    clear_cache,
    clinic_dir,
    install_file,
    instrument_from_dict,
    load_instrument,
    load_library,
    read_definition,
    validate_file,
)
from .model import (
    AnswerOption,
    AnswerSet,
    Band,
    ClinicalCutoff,
    Instrument,
    Item,
    ReliableChangeCriterion,
    ScoringRule,
    Subscale,
    Trigger,
)
from .ranges import range_problem, score_range


def structure_only_reason(instrument: Instrument) -> str | None:
    """Return why ``instrument`` cannot be put before a client, or None when it can.

    A definition shipped as structure only (WAI-SR, SAI: licensed wording not included) has
    placeholder items; a measurement plan that named it would silently leave it out of every
    check. The message says how to load the clinic's licensed text.
    """
    if not instrument.placeholder and instrument.text_may_be_shown:
        return None
    return (
        f"{instrument.short_name} ships as structure only: its licensed wording is not "
        "included, so it cannot be sent to clients. Load your clinic's licensed definition "
        f"(same id {instrument.id!r}) with `alliance instruments load FILE`, then add it "
        "to the plan."
    )


SHIPPED_IDS = (
    "phq9",
    "gad7",
    "who5",
    "k10",
    "flourishing",
    "alliance-check",
    "alliance-check-practitioner",
    "wai-sr",
    "sai",
)

__all__ = [
    "SHIPPED_DIR",
    "SHIPPED_IDS",
    "AnswerOption",
    "AnswerSet",
    "Band",
    "ClinicalCutoff",
    "Instrument",
    "InstrumentDefinitionError",
    "InstrumentError",
    "InstrumentLibrary",
    "Item",
    "ReliableChangeCriterion",
    "ScoringRule",
    "Subscale",
    "Trigger",
    "UnknownInstrumentError",
    "clear_cache",
    "clinic_dir",
    "install_file",
    "instrument_from_dict",
    "load_instrument",
    "load_library",
    "range_problem",
    "read_definition",
    "score_range",
    "structure_only_reason",
    "validate_file",
]
