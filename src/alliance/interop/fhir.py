"""FHIR R4 Questionnaire / QuestionnaireResponse export and import (pure, no Django).

Resources are validated with ``fhir.resources``. Since version 7, ``fhir.resources``
ships R5 as its default and R4B (4.3.0) as ``fhir.resources.R4B``; there is no plain
R4 (4.0.1) package any more. Questionnaire and QuestionnaireResponse are structurally
unchanged between R4 and R4B for every element used here, so R4B models validate what
we emit as R4 (checked against public R4 files in ``shared/data/fhir`` in the tests).

LOINC codes are used where an instrument has them (PHQ-9 44249-1, GAD-7 69737-5, their
items and the LL358-3 answers); other answers use an Alliance code system whose codes
are the numeric answer values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import BaseModel, ValidationError

from alliance.instruments import Instrument, InstrumentLibrary, load_library
from alliance.instruments.model import AnswerOption, Item
from alliance.interop import safejson
from alliance.scoring.single import check_responses

FHIR_VERSION = "4.0.1"
LOINC = "http://loinc.org"
CANONICAL_PREFIX = "urn:alliance:questionnaire:"
ANSWER_SYSTEM_PREFIX = "urn:alliance:answers:"
EXT_ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
EXT_SLIDER_STEP = "http://hl7.org/fhir/StructureDefinition/questionnaire-sliderStepValue"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
INTRO_LINK_ID = "intro"
QR_STATUSES = frozenset({"in-progress", "completed", "amended", "entered-in-error", "stopped"})


class FhirError(ValueError):
    """A FHIR resource cannot be produced or read; the message says where and why."""


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _validation_message(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc or '(resource)'}: {err.get('msg')}")
    more = f" (+{len(exc.errors()) - limit} more)" if len(exc.errors()) > limit else ""
    return "; ".join(parts) + more


def canonical_url(instrument: Instrument) -> str:
    """Canonical URL of an instrument's Questionnaire (without version)."""
    return f"{CANONICAL_PREFIX}{instrument.id}"


def _answer_system(instrument: Instrument, item: Item) -> str:
    return f"{ANSWER_SYSTEM_PREFIX}{instrument.id}:{item.answers.id}"


def _coding(
    instrument: Instrument, item: Item, option: AnswerOption, lang: str | None
) -> dict[str, Any]:
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label("en")}
    return {
        "system": _answer_system(instrument, item),
        "code": str(_num(option.value)),
        "display": option.label(lang),
    }


def _item_text(instrument: Instrument, item: Item, lang: str | None) -> str:
    if instrument.text_may_be_shown:
        return item.text(lang)
    return f"{instrument.short_name} item {item.id} (licensed text not included)"


def questionnaire(instrument: Instrument | str, lang: str | None = "en") -> dict[str, Any]:
    """Return the instrument as a FHIR R4 Questionnaire (a JSON-ready dict).

    Item ``linkId`` is the Alliance item id ("1", "2", ...); items carry their LOINC code
    where known. Likert/choice items are ``choice`` with answerOptions carrying the
    ``ordinalValue`` extension; VAS items are ``integer``/``decimal`` sliders with
    ``minValue``/``maxValue``. Licensed text that may not be shown is replaced by a label.
    """
    inst = load_library()[instrument] if isinstance(instrument, str) else instrument
    items: list[dict[str, Any]] = []
    intro = inst.instructions(lang)
    if intro and inst.text_may_be_shown:
        items.append({"linkId": INTRO_LINK_ID, "type": "display", "text": intro})
    for it in inst.items:
        q: dict[str, Any] = {
            "linkId": it.id,
            "text": _item_text(inst, it, lang),
            "required": it.required,
        }
        if it.loinc:
            q["code"] = [{"system": LOINC, "code": it.loinc}]
        if it.kind == "vas":
            integral = (
                (it.answers.step or 0) == 1
                and float(it.min).is_integer()
                and float(it.max).is_integer()
            )
            vtype = "Integer" if integral else "Decimal"
            q["type"] = vtype.lower()
            q["extension"] = [
                {"url": EXT_MIN, f"value{vtype}": _num(it.min) if integral else float(it.min)},
                {"url": EXT_MAX, f"value{vtype}": _num(it.max) if integral else float(it.max)},
                {
                    "url": EXT_ITEM_CONTROL,
                    "valueCodeableConcept": {
                        "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "slider"}]
                    },
                },
            ]
            if it.answers.step and float(it.answers.step).is_integer():
                q["extension"].append(
                    {"url": EXT_SLIDER_STEP, "valueInteger": int(it.answers.step)}
                )
        else:
            q["type"] = "choice"
            q["answerOption"] = [
                {
                    "valueCoding": _coding(inst, it, o, lang),
                    "extension": [{"url": EXT_ORDINAL, "valueDecimal": _num(o.value)}],
                }
                for o in it.options
            ]
        if it.enable_when:
            src = inst.item(it.enable_when[0])
            opt = next(o for o in src.options if o.value == it.enable_when[1])
            q["enableWhen"] = [
                {"question": src.id, "operator": "=", "answerCoding": _coding(inst, src, opt, lang)}
            ]
        items.append(q)

    description = inst.citation
    if inst.validation_note(lang):
        description = f"{inst.validation_note(lang)} {description}"
    res: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": inst.id,
        "url": canonical_url(inst),
        "version": inst.version,
        "name": "".join(ch for ch in inst.short_name.title() if ch.isalnum()) or "Questionnaire",
        "title": inst.name(lang),
        "status": "draft" if inst.placeholder else "active",
        "subjectType": ["Patient"],
        "description": description,
        "copyright": " ".join(x for x in (inst.copyright, f"Licence: {inst.licence}") if x),
        "item": items,
    }
    if lang:
        res["language"] = lang
    if inst.loinc_panel:
        res["code"] = [{"system": LOINC, "code": inst.loinc_panel}]
        res["identifier"] = [{"system": LOINC, "value": inst.loinc_panel}]
    return validate_resource(res)


def questionnaire_response(
    instrument: Instrument | str,
    responses: Mapping[str, float | None],
    *,
    authored: datetime | None = None,
    subject: str | None = None,
    identifier: str | tuple[str, str] | None = None,
    status: str = "completed",
    response_id: str | None = None,
    encounter: str | None = None,
    author: str | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """Return one administration as a FHIR R4 QuestionnaireResponse (JSON-ready dict).

    Parameters
    ----------
    instrument : Instrument or str
    responses : mapping
        Item id → value (None = unanswered, left out of the resource). Validated like
        :func:`alliance.scoring.score_response` (unknown items / out-of-range raise).
    authored : datetime, optional
        Must be timezone-aware.
    subject, encounter, author : str, optional
        FHIR references such as ``"Patient/8c0e..."``.
    identifier : str or (system, value), optional
        Business identifier, e.g. ``("urn:alliance:administration", "<uuid>")``.
    """
    inst = load_library()[instrument] if isinstance(instrument, str) else instrument
    values = check_responses(responses, inst)
    items = []
    for it in inst.items:
        val = values.get(it.id)
        if val is None:
            continue
        answer: dict[str, Any]
        if it.kind == "vas":
            integral = (it.answers.step or 0) == 1 and float(val).is_integer()
            answer = {"valueInteger": int(val)} if integral else {"valueDecimal": float(val)}
        else:
            opt = next(o for o in it.options if o.value == val)
            answer = {"valueCoding": _coding(inst, it, opt, lang)}
        entry: dict[str, Any] = {"linkId": it.id, "answer": [answer]}
        if inst.text_may_be_shown:
            entry["text"] = it.text(lang)
        items.append(entry)
    res: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical_url(inst)}|{inst.version}",
        "status": status,
        "item": items,
    }
    if response_id:
        res["id"] = response_id
    if authored is not None:
        if authored.tzinfo is None or authored.utcoffset() is None:
            raise FhirError("authored must be a timezone-aware datetime")
        res["authored"] = authored.isoformat()
    if subject:
        res["subject"] = {"reference": subject}
    if encounter:
        res["encounter"] = {"reference": encounter}
    if author:
        res["author"] = {"reference": author}
    if identifier is not None:
        system, value = identifier if isinstance(identifier, tuple) else (None, identifier)
        res["identifier"] = {"value": value, **({"system": system} if system else {})}
    if lang:
        res["language"] = lang
    return validate_resource(res)


_MODELS: dict[str, type[BaseModel]] = {
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Bundle": Bundle,
}


def validate_resource(resource: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a Questionnaire, QuestionnaireResponse or Bundle with fhir.resources (R4B).

    Returns the resource as a plain dict; raises FhirError naming the failing fields.
    """
    rtype = resource.get("resourceType")
    model = _MODELS.get(rtype) if isinstance(rtype, str) else None
    if model is None:
        raise FhirError(f"unsupported resourceType {rtype!r}; expected one of {sorted(_MODELS)}")
    try:
        model.model_validate(dict(resource))
    except ValidationError as exc:
        raise FhirError(f"invalid FHIR {rtype}: {_validation_message(exc)}") from None
    return dict(resource)


@dataclass(frozen=True)
class ParsedResponse:
    """An imported QuestionnaireResponse: instrument id, item values and metadata."""

    instrument: str
    values: dict[str, float | None]
    authored: datetime | None = None
    subject: str | None = None
    identifier: tuple[str | None, str] | None = None
    status: str | None = None
    resource_id: str | None = None
    encounter: str | None = None
    author: str | None = None
    questionnaire: str | None = None
    ignored_items: tuple[str, ...] = field(default=())


def _find_instrument(
    canonical: str | None, lib: Mapping[str, Instrument], where: str
) -> Instrument:
    if not canonical:
        raise FhirError(
            f"{where}: QuestionnaireResponse.questionnaire is missing; cannot tell the instrument"
        )
    url = canonical.split("|", 1)[0]
    if url.startswith(CANONICAL_PREFIX):
        iid = url[len(CANONICAL_PREFIX) :]
        if iid in lib:
            return lib[iid]
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    for inst in lib.values():
        if tail == inst.id or (inst.loinc_panel and tail == inst.loinc_panel):
            return inst
    raise FhirError(
        f"{where}: unknown questionnaire {canonical!r}; known instruments: {', '.join(sorted(lib))}"
    )


def _flatten(items: Iterable[Any]) -> Iterable[Any]:
    for it in items or ():
        if it.answer:
            yield it
        for ans in it.answer or ():
            yield from _flatten(ans.item or ())
        yield from _flatten(it.item or ())


def _answer_value(inst: Instrument, item: Item, answer: Any, where: str) -> float:
    if answer.valueInteger is not None:
        return float(answer.valueInteger)
    if answer.valueDecimal is not None:
        return float(Decimal(answer.valueDecimal))
    coding = answer.valueCoding
    if coding is not None:
        for ext in coding.extension or ():
            if ext.url == EXT_ORDINAL and ext.valueDecimal is not None:
                return float(ext.valueDecimal)
        for ext in answer.extension or ():
            if ext.url == EXT_ORDINAL and ext.valueDecimal is not None:
                return float(ext.valueDecimal)
        for opt in item.options:
            if coding.system == LOINC and opt.loinc and coding.code == opt.loinc:
                return float(opt.value)
            if coding.system == _answer_system(inst, item) and coding.code == str(_num(opt.value)):
                return float(opt.value)
        raise FhirError(
            f"{where}: item {item.id}: answer code {coding.system}|{coding.code} is not an answer of {inst.id}"
        )
    raise FhirError(
        f"{where}: item {item.id}: unsupported answer type (expected integer, decimal or Coding)"
    )


def _match_item(inst: Instrument, link_id: str, codes: Iterable[str]) -> Item | None:
    lid = link_id.lstrip("/")
    if inst.has_item(lid):
        return inst.item(lid)
    for it in inst.items:
        if it.loinc and (lid == it.loinc or it.loinc in codes):
            return it
    return None


def _parse_one(
    qr: QuestionnaireResponse, lib: Mapping[str, Instrument], where: str, ignore_unknown_items: bool
) -> ParsedResponse:
    if qr.status not in QR_STATUSES:
        raise FhirError(
            f"{where}: status {qr.status!r} is not a QuestionnaireResponse status {sorted(QR_STATUSES)}"
        )
    if qr.status == "entered-in-error":
        raise FhirError(f"{where}: the response is marked entered-in-error")
    inst = _find_instrument(qr.questionnaire, lib, where)
    raw: dict[str, float | None] = {}
    ignored: list[str] = []
    for it in _flatten(qr.item or ()):
        codes = [c.code for c in (getattr(it, "code", None) or ()) if c.code]
        item = _match_item(inst, it.linkId, codes)
        if item is None:
            if (
                it.linkId.lstrip("/") == inst.loinc_total
                or it.linkId == INTRO_LINK_ID
                or ignore_unknown_items
            ):
                ignored.append(it.linkId)
                continue
            raise FhirError(f"{where}: {inst.id} has no item for linkId {it.linkId!r}")
        if item.id in raw:
            raise FhirError(f"{where}: item {item.id} of {inst.id} is answered twice")
        if len(it.answer) > 1:
            raise FhirError(
                f"{where}: item {item.id} of {inst.id} has {len(it.answer)} answers; expected one"
            )
        raw[item.id] = _answer_value(inst, item, it.answer[0], where)
    try:
        values = check_responses(raw, inst, where=f"{where}: ")
    except ValueError as exc:
        raise FhirError(str(exc)) from None
    ident = None
    if qr.identifier is not None and qr.identifier.value:
        ident = (qr.identifier.system, qr.identifier.value)
    return ParsedResponse(
        instrument=inst.id,
        values=values,
        authored=qr.authored if isinstance(qr.authored, datetime) else None,
        subject=qr.subject.reference if qr.subject else None,
        identifier=ident,
        status=qr.status,
        resource_id=qr.id,
        encounter=qr.encounter.reference if qr.encounter else None,
        author=qr.author.reference if qr.author else None,
        questionnaire=qr.questionnaire,
        ignored_items=tuple(ignored),
    )


def parse_questionnaire_responses(
    data: Mapping[str, Any] | str | bytes,
    library: InstrumentLibrary | Mapping[str, Instrument] | None = None,
    *,
    ignore_unknown_items: bool = False,
) -> list[ParsedResponse]:
    """Read a QuestionnaireResponse, or a Bundle of them, for known instruments.

    The questionnaire is recognised by its Alliance canonical URL, a URL ending in an
    instrument id, or a LOINC panel code. Items match by Alliance item id or LOINC code
    (linkIds like "/44250-9" work); answers may be integers, decimals or Codings
    (LOINC answer codes, Alliance codes or an ``ordinalValue`` extension). The LOINC
    total-score item is ignored. Other resources in a Bundle are skipped.

    Raises
    ------
    FhirError
        Invalid FHIR, unknown questionnaire, unknown item or an invalid answer value,
        naming the Bundle entry and item.
    """
    if isinstance(data, str | bytes):
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError as exc:
            raise FhirError(
                f"not UTF-8 text (byte {exc.start + 1} cannot be read); FHIR JSON is UTF-8"
            ) from None
        try:
            data = safejson.loads(text)
        except safejson.JsonInputError as exc:
            raise FhirError(str(exc)) from None
    if not isinstance(data, Mapping):
        raise FhirError("expected a JSON object (QuestionnaireResponse or Bundle)")
    lib = library if library is not None else load_library()
    rtype = data.get("resourceType")
    if rtype == "QuestionnaireResponse":
        try:
            qr = QuestionnaireResponse.model_validate(dict(data))
        except ValidationError as exc:
            raise FhirError(
                f"invalid FHIR QuestionnaireResponse: {_validation_message(exc)}"
            ) from None
        return [_parse_one(qr, lib, "QuestionnaireResponse", ignore_unknown_items)]
    if rtype == "Bundle":
        try:
            bundle = Bundle.model_validate(dict(data))
        except ValidationError as exc:
            raise FhirError(f"invalid FHIR Bundle: {_validation_message(exc)}") from None
        out = []
        for n, entry in enumerate(bundle.entry or ()):
            res = entry.resource
            if res is None or res.get_resource_type() != "QuestionnaireResponse":
                continue
            qr = QuestionnaireResponse.model_validate(res.model_dump())
            out.append(_parse_one(qr, lib, f"Bundle.entry[{n}]", ignore_unknown_items))
        if not out:
            raise FhirError("Bundle holds no QuestionnaireResponse")
        return out
    raise FhirError(f"expected a QuestionnaireResponse or Bundle, got resourceType {rtype!r}")


def bundle(
    resources: Iterable[Mapping[str, Any]], bundle_type: str = "collection"
) -> dict[str, Any]:
    """Wrap resources in a validated FHIR Bundle."""
    res = {
        "resourceType": "Bundle",
        "type": bundle_type,
        "entry": [{"resource": dict(r)} for r in resources],
    }
    return validate_resource(res)
