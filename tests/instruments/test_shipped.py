import pytest

from alliance.instruments import (
    SHIPPED_DIR,
    SHIPPED_IDS,
    load_instrument,
    load_library,
    validate_file,
)


def test_library_holds_exactly_the_shipped_ids():
    assert sorted(load_library()) == sorted(SHIPPED_IDS)


def test_ors_and_srs_are_not_shipped():
    names = {p.stem for p in SHIPPED_DIR.glob("*.yaml")}
    assert not names & {"ors", "srs"}
    for inst in load_library().values():
        assert "Outcome Rating" not in inst.name() and "Session Rating" not in inst.name()


@pytest.mark.parametrize("instrument_id", SHIPPED_IDS)
def test_every_shipped_instrument_carries_citation_and_licence(instrument_id):
    inst = load_instrument(instrument_id)
    assert inst.citation.strip() and inst.licence.strip()
    assert inst.citation in inst.attribution and inst.licence in inst.attribution
    assert inst.origin == "shipped"
    assert inst.item_ids == tuple(str(n) for n in range(1, len(inst.items) + 1))


@pytest.mark.parametrize(
    ("instrument_id", "n_items", "lo", "hi", "direction"),
    [
        ("phq9", 9, 0, 27, "higher_is_worse"),
        ("gad7", 7, 0, 21, "higher_is_worse"),
        ("who5", 5, 0, 100, "higher_is_better"),
        ("k10", 10, 10, 50, "higher_is_worse"),
        ("flourishing", 8, 8, 56, "higher_is_better"),
        ("alliance-check", 7, 0, 10, "higher_is_better"),
        ("alliance-check-practitioner", 7, 0, 10, "higher_is_better"),
        ("wai-sr", 12, 12, 60, "higher_is_better"),
        ("sai", 6, 0, 5, "higher_is_better"),
    ],
)
def test_structure(instrument_id, n_items, lo, hi, direction):
    inst = load_instrument(instrument_id)
    assert len(inst.items) == n_items
    assert inst.range == (lo, hi)
    assert inst.direction == direction


def test_licensed_measures_ship_structure_only():
    for iid in ("wai-sr", "sai"):
        inst = load_instrument(iid)
        assert inst.placeholder and not inst.text_may_be_shown
        assert all("licensed wording not included" in it.text() for it in inst.items)
    wai = load_instrument("wai-sr")
    subs = {s.id: s.items for s in wai.subscales}
    assert subs == {
        "task": ("1", "2", "10", "12"),
        "bond": ("3", "5", "7", "9"),
        "goal": ("4", "6", "8", "11"),
    }


def test_full_text_instruments_may_be_shown():
    for iid in ("phq9", "gad7", "who5", "k10", "flourishing", "alliance-check"):
        assert load_instrument(iid).text_may_be_shown


def test_notices():
    assert load_instrument("k10").copyright == "© World Health Organization 2003"
    assert "Diener" in load_instrument("flourishing").citation
    assert "Kroenke" in load_instrument("phq9").citation


def test_loinc_codes():
    phq9, gad7 = load_instrument("phq9"), load_instrument("gad7")
    assert (phq9.loinc_panel, phq9.loinc_total) == ("44249-1", "44261-6")
    assert (gad7.loinc_panel, gad7.loinc_total) == ("69737-5", "70274-6")
    assert [i.loinc for i in gad7.items] == [
        "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7",
    ]  # fmt: skip
    assert phq9.item("9").loinc == "44260-8"
    assert [o.loinc for o in phq9.options("1")] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert load_instrument("who5").loinc_panel is None


def test_alliance_check_is_labelled_not_validated_and_complete_in_german():
    for iid in ("alliance-check", "alliance-check-practitioner"):
        inst = load_instrument(iid)
        assert not inst.validated
        assert "not validated" in inst.name("en").lower()
        assert "nicht validiert" in inst.name("de").lower()
        assert "Not validated" in inst.validation_note("en")
        assert set(inst.languages) == {"en", "de"}
        for it in inst.items:
            assert {"en", "de"} <= set(it.texts)
            for o in it.options:
                assert {"en", "de"} <= set(o.labels)
        assert [it.domain for it in inst.items] == [
            "goal", "task", "bond", "overall", "rupture", "rupture_intensity", "rupture_resolution",
        ]  # fmt: skip
    client = load_instrument("alliance-check")
    practitioner = load_instrument("alliance-check-practitioner")
    assert client.respondent == "client" and practitioner.respondent == "practitioner"
    assert client.item("6").enable_when == ("5", 1)
    assert [o.value for o in client.options("6")] == [1, 2, 3, 4, 5]
    assert [o.value for o in client.options("7")] == [1, 2, 3, 4, 5]
    assert [o.value for o in client.options("5")] == [0, 1]


def test_text_falls_back_to_english():
    gad7 = load_instrument("gad7")
    assert gad7.text("1", "de") == gad7.text("1", "en") == "Feeling nervous, anxious, or on edge"
    phq9 = load_instrument("phq9")
    assert phq9.text("2", "de-AT") == "Niedergeschlagenheit, Schwermut oder Hoffnungslosigkeit"
    assert phq9.options("1")[3].label("de") == "Beinahe jeden Tag"


def test_accessors():
    phq9 = load_instrument("phq9")
    assert phq9.reliable_change_threshold() == 6
    assert phq9.cutoff == 10 and phq9.is_clinical(10) and not phq9.is_clinical(9)
    assert [t.item for t in phq9.critical_items] == ["9"]
    assert phq9.band_for(14).id == "moderate" and phq9.band_for(15).id == "moderately_severe"
    assert phq9.band_for(None) is None
    assert load_instrument("k10").reliable_change_threshold() is None
    who5 = load_instrument("who5")
    assert who5.scoring.multiplier == 4 and who5.is_clinical(50) and not who5.is_clinical(52)


def test_shipped_files_validate_individually():
    for path in SHIPPED_DIR.glob("*.yaml"):
        assert validate_file(path).id == path.stem
