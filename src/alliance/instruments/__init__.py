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
    "read_definition",
    "validate_file",
]
