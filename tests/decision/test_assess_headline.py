"""Issue 9, what the headline may say: the paired (common-random-number) headline rule and its
seed stability, the minoxidil + finasteride calibration, options whose trials did not enrol
people like this one (extrapolation) or did not follow patients that long (withheld), and
add-ons compared with what the person uses now - in the answer and in every face."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from anagen.decision import Assessment, assess_patient, render_report
from anagen.decision._assess_combine import KAPPA, KAPPA_SE, combination_kappa
from anagen.decision._assess_verdict import GROUPS, headlines, not_ranked_reason
from anagen.decision._assess_window import follow_up, known_months, unknown_text
from anagen.decision._codec import to_plain
from anagen.therapy import Patient

FAST = {"n_draws": 8, "n_follicles": 3000, "n_scalps": 2}
PATIENTS = sorted((Path(__file__).parents[2] / "docs" / "patients").glob("*.toml"))


def _man(age: float, stage: str, years_since_onset: float = 6, **extra) -> Patient:
    info = {"age": age, "sex": "M", "stage": stage, "years_since_onset": years_since_onset}
    return Patient.from_dict({"patient": info, **extra})


@pytest.fixture(scope="module")
def old_man():
    """68, Norwood VI: no trial of minoxidil, finasteride or laser enrolled men like him."""
    return assess_patient(
        _man(68, "VI"), protocols=["gentile2019_micrografts"], with_evidence=False,
        with_maps=False, **FAST,
    )  # fmt: skip


@pytest.fixture(scope="module")
def man_72():
    """72, Norwood VI, 25 years of loss: older than anyone the drug trials enrolled."""
    return assess_patient(
        _man(72, "VI", years_since_onset=25), protocols=["gentile2019_micrografts"],
        with_evidence=False, with_maps=False, **FAST,
    )  # fmt: skip


@pytest.fixture(scope="module")
def on_minoxidil():
    return assess_patient(
        _man(45, "III", treatments={"current": ["minoxidil_5"]}),
        protocols=["gentile2019_micrografts"], with_evidence=False, with_maps=False, **FAST,
    )  # fmt: skip


def test_kappa_calibration_numbers():
    # LI25: +9.22 (p = 0.04) over minoxidil alone; S22: +17.3 +/- 2.5 alone
    assert KAPPA == pytest.approx(9.22 / 17.3)
    assert KAPPA_SE == pytest.approx(0.2707, abs=1e-3)
    k = combination_kappa(400)
    assert k.min() >= 0 and k.max() <= 1
    assert np.median(k) == pytest.approx(KAPPA, abs=0.05)
    assert np.array_equal(combination_kappa(50), combination_kappa(50))  # no seed in it


def test_combination_is_less_than_the_sum(on_minoxidil):
    # 16 draws: the pair is minoxidil + kappa x finasteride per draw, and with 8 draws the
    # median of the pair can land near the sum of the medians by chance (24.7 vs 25.5 with the
    # fourth-session posterior; 19.2 vs 26.5 at 16 draws, 18.6 vs 25.0 at 40)
    a = assess_patient(_man(30, "III-vertex"), protocols=(), with_evidence=False,
                       with_maps=False, **{**FAST, "n_draws": 16})  # fmt: skip
    both = a.option("minoxidil_5+finasteride_1mg").at(12).effect_vs_none.median
    mino = a.option("minoxidil_5").at(12).effect_vs_none.median
    fin = a.option("finasteride_1mg").at(12).effect_vs_none.median
    assert both < mino + fin - 2.0  # no longer the sum of the two
    assert (
        "calibrated on the combination trials"
        in a.option("minoxidil_5+finasteride_1mg").certainty.note
    )


def test_follow_up_rules():
    from anagen.decision._assess_plan import plan_options

    specs = {s.key: s for s in plan_options([], ("minoxidil_5", "finasteride_1mg", "lllt"))}
    assert follow_up(specs["lllt"], "M").weeks == 26 and known_months(26) == 6
    assert "follow-up assumed" in unknown_text(follow_up(plan_options([], ("prp",))[0], "M"))
    assert known_months(48) == 12  # a 48-week visit is the trials' "one year"
    # cell protocols: their own curated study, else their product group (studies.csv)
    from anagen.decision._assess_plan import resolve_protocols

    cells = {s.key.split(":")[0]: s for s in plan_options(resolve_protocols(None), ())}
    assert follow_up(cells["bone_marrow_cells"], "M").weeks == 26  # Elmaadawi 2018 (S24)
    assert follow_up(cells["adsc_conditioned_medium"], "M").weeks == 26  # ADSC-CM group
    transplant = plan_options([], ("transplant",))[0]
    assert unknown_text(follow_up(transplant, "M")) == (
        "unknown: no outcome study of transplants in the sources"
    )
    assert follow_up(specs["finasteride_1mg"], "M").weeks == 192
    assert follow_up(specs["minoxidil_5+finasteride_1mg"], "M").weeks == 52  # [HU15]
    assert unknown_text(follow_up(specs["lllt"], "F")) == (
        "unknown: no trial followed patients beyond 26 weeks"
    )


def test_beyond_follow_up_is_withheld_everywhere(old_man):
    from anagen.web._assessment_view import assessment_view

    laser = old_man.option("lllt")
    assert laser.at(6).known and not laser.at(12).known and not laser.at(24).known
    assert laser.shown(12) is None and laser.shown_chance(12) is None
    text = "unknown: no trial followed patients beyond 26 weeks"
    assert laser.effect_text(12) == text
    assert "laser" not in " ".join(old_man.headline)
    html = render_report(old_man, figures={})
    assert text in html
    view = assessment_view(old_man.to_dict())
    row = next(o for o in view["options"] if o["key"] == "lllt")
    assert row["effect"]["12m"] == text and row["visible"]["12m"]["count"] is None
    assert row["effect"]["6m"] != text


def test_out_of_population_is_flagged_and_never_headline(old_man):
    from anagen.web._assessment_view import assessment_view

    for key in ("minoxidil_5", "finasteride_1mg", "minoxidil_5+finasteride_1mg"):
        o = old_man.option(key)
        assert o.extrapolation and "age 68" in o.extrapolation[0]
        assert not_ranked_reason(o).startswith("its trials did not enrol")
        assert o.standing.startswith("not ranked") and key not in old_man.headline
        assert "EXTRAPOLATION" in o.verdict
    gentile = next(o for o in old_man.options if o.kind == "stem-cell")
    assert any("stage VI is outside" in r for r in gentile.extrapolation)
    assert old_man.headline == ()
    assert any(line.startswith("EXTRAPOLATION") for line in old_man.verdict)
    html = render_report(old_man, figures={})
    assert "NO - EXTRAPOLATION: age 68" in html
    view = assessment_view(old_man.to_dict())
    row = next(o for o in view["options"] if o["key"] == "finasteride_1mg")
    assert row["like_you"].startswith("NO - EXTRAPOLATION")


#: A chance as a face prints it ("73%", "<5%", "about 73 in 100", "fewer than 5 in 100"), in
#: a text with its "80% interval"s taken out.
_CHANCE = re.compile(r"\d%|(about|than) \d+ in 100")


def _chance_in(text: str) -> bool:
    return bool(_CHANCE.search(text.replace("80% interval", "")))


_NOT_ESTIMATED = "not estimated: its trials did not enrol people like this person"


def test_no_chance_of_a_visible_gain_where_the_trials_did_not_enrol_such_people(man_72):
    """The finasteride trials enrolled men 18-60, minoxidil's 18-49: for a 72-year-old the
    12-month effects are shown, marked EXTRAPOLATION, but no chance of a visible gain (it read
    73 % for finasteride and 93 % for the pair) - not in the answer, its verdict, the JSON, the
    report or the web page."""
    from anagen.decision._report_content import report_content
    from anagen.web._assessment_view import assessment_view

    a = man_72
    flagged = [o for o in a.options if o.extrapolation and o.safe]
    assert {"finasteride_1mg", "minoxidil_5", "minoxidil_5+finasteride_1mg"} <= {
        o.key for o in flagged
    }
    for o in flagged:
        h = o.at(12)
        assert o.shown_chance(12) is None and o.p_visible[12] is None
        assert h.chance_withheld == (h.unknown_text if not h.known else _NOT_ESTIMATED)
        if h.known:
            assert o.shown(12) is not None  # the effect stays, marked as an extrapolation
            assert "chance of a visible improvement not estimated" in o.verdict
        assert not re.search(r"chance of a visible improvement [<>]?\d", o.verdict)
    assert a.option("none").shown_chance(12) is not None  # no treatment keeps its number
    d = json.loads(json.dumps(a.to_dict()))
    assert Assessment.from_dict(d) == a
    fin = next(o for o in d["options"] if o["key"] == "finasteride_1mg")
    h12 = next(h for h in fin["horizons"] if h["month"] == 12)
    assert h12["known"] is True and h12["effect_vs_none"] is not None
    assert h12["chance_known"] is False and h12["chance_unknown_text"] == _NOT_ESTIMATED
    assert h12["p_visible"] is None and h12["p_visible_added"] is None
    m = h12["model_extrapolation"]  # the model's value, labelled, apart
    assert set(m) == {"note", "p_visible", "p_visible_added"} and "not a prediction" in m["note"]
    assert m["p_visible"] == to_plain(a.option("finasteride_1mg").at(12).p_visible)
    cols = [c for g in report_content(a, {})["grids"] for c in g["columns"]]
    assert not any(c["visible_n"] is not None or _chance_in(c["visible_text"]) for c in cols)
    fin = next(c for c in cols if c["name"] == "Oral finasteride 1 mg")
    assert fin["visible_text"] == _NOT_ESTIMATED and fin["icons"] == ""
    assert _NOT_ESTIMATED in render_report(a, figures={})
    view = assessment_view(d)
    row = next(o for o in view["options"] if o["key"] == "finasteride_1mg")
    assert row["visible"]["12m"] == {"count": None, "text": _NOT_ESTIMATED}
    assert not any(
        _chance_in(o["visible"]["12m"]["text"]) for o in view["options"] if o["key"] != "none"
    )


def test_no_cost_per_hair_from_an_extrapolated_effect(man_72):
    """Finasteride is followed to 24 months (192 weeks) but its trials enrolled men 18-60: for a
    72-year-old its 24-month effect is the model's extrapolation, so no cost per hair (it read
    $17-40); the price of the course stays."""
    fin = man_72.option("finasteride_1mg")
    assert fin.at(24).known and fin.extrapolation
    assert fin.cost.per_hair_low is None and fin.cost.per_hair_high is None
    assert fin.cost.per_hair_note.startswith(_NOT_ESTIMATED)
    assert (fin.cost.low, fin.cost.high) == (360, 840)


def test_a_safety_warning_that_asks_for_a_specialist_keeps_an_option_out_of_the_headline(
    on_minoxidil,
):
    """Safety first: an option whose candidacy is "ask a specialist" because of a safety rule
    (a label or contraindication of data/safety.toml) is never named; the verdict says why. An
    "ask a specialist" from another rule (e.g. the transplant's age caution) does not."""
    from dataclasses import replace

    from anagen.decision._assess_verdict import overall_verdict, rank, safety_flag
    from anagen.therapy.candidacy import Candidacy, Reason
    from anagen.therapy.safety import safety_rules

    rule = next(r for r in safety_rules() if r.effect == "ask_specialist")
    a = on_minoxidil
    fin = a.option("finasteride_1mg")
    assert fin.key in a.headline and not safety_flag(fin)
    effects = {o.key: np.zeros(8) + o.at(12).effect_vs_none.median for o in a.options}
    for reason, named in (
        (Reason("ask_specialist", rule.text, rule.sources), False),
        (Reason("ask_specialist", f"{fin.name}: {rule.text}", rule.sources), False),
        (Reason("ask_specialist", "under 25: donor stability unknown", ("BERN25",)), True),
    ):
        flagged = replace(fin, candidacy=Candidacy(fin.key, "ask_specialist", (reason,)))
        opts = [flagged if o.key == fin.key else o for o in a.options]
        ranked, groups = rank(opts, effects)
        assert (fin.key in {k for g in groups for k in g}) is named
        if not named:
            assert not_ranked_reason(flagged).startswith("a safety warning asks for a specialist")
            lines = overall_verdict(a.patient, ranked, "posterior", a.unit, groups)
            ask = [line for line in lines if line.startswith("Ask a specialist first")]
            assert len(ask) == 1 and fin.name in ask[0] and rule.sources[0] in ask[0]


def test_cli_prints_no_chance_for_an_extrapolation(capsys, tmp_path):
    from anagen.cli import main

    p = tmp_path / "old.toml"
    p.write_text('[patient]\nage = 72\nsex = "M"\nstage = "VI"\nyears_since_onset = 25\n')
    args = ["--patient", str(p), "--draws", "6", "--follicles", "3000", "--workers", "1"]
    for cmd in (["assess", str(p), *args[2:], "--protocol", "gentile2019_micrografts"],
                ["therapy", "simulate", "finasteride_1mg", *args]):  # fmt: skip
        assert main(cmd) == 0
        out = capsys.readouterr().out
        table = out[out.index("Change vs no treatment") : out.index("Outcome:")]
        row = " ".join(table[table.index("Oral") :].split("\n")[:3])  # folded at 80 columns
        assert "not" in row and "est.*" in row
        assert not _chance_in(table)
        foot = " ".join(out.split())
        assert "their chance of a visible gain is not estimated (not est.*):" in foot


def test_cli_shows_withheld_and_extrapolated(capsys, tmp_path):
    from anagen.cli import main

    p = tmp_path / "old.toml"
    p.write_text('[patient]\nage = 68\nsex = "M"\nstage = "VI"\nyears_since_onset = 35\n')
    args = ["--draws", "6", "--follicles", "3000", "--protocol", "kim2021_svf", "--workers", "1"]
    assert main(["assess", str(p), *args]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "EXTRAPOLATION" in out and "age 68 is outside" in out
    assert main(["assess", "--example", *args]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Low-level laser therapy (no trial followed patients beyond 26 weeks)" in out


def test_add_on_is_compared_with_what_you_use_now(on_minoxidil):
    a = on_minoxidil
    add = next(o for o in a.options if o.name.endswith("added to what you use now"))
    assert add.is_add_on and add.comparator == "minoxidil_5"
    assert add.comparator_name == "Topical minoxidil 5 %"
    h = add.at(6)
    assert h.added is not None and add.shown(6) == h.added
    # the gain over minoxidil is smaller than the gain over no treatment by about minoxidil's
    mino = a.option("minoxidil_5").at(6).effect_vs_none.median
    assert h.added.median < h.effect_vs_none.median
    assert abs(h.effect_vs_none.median - h.added.median - mino) < 6
    # finasteride for a man on minoxidil is "added to what you use now" too
    pair = a.option("minoxidil_5+finasteride_1mg")
    assert pair.comparator == "minoxidil_5" and pair.at(12).added is not None
    groups = dict(zip(GROUPS, headlines(a.options), strict=True))
    assert set(groups["add-on"]) <= {o.key for o in a.options if o.is_add_on}
    assert not set(groups["other"]) & {o.key for o in a.options if o.is_add_on}


def test_named_options_are_similar_on_paired_differences(on_minoxidil):
    for o in on_minoxidil.options:
        if o.key in on_minoxidil.headline:
            assert o.safe and not o.extrapolation and o.at(12).known
            assert o.vs_leader is not None
            assert o.vs_leader.high >= -o.visible_threshold or o.vs_leader.median == 0
        elif o.vs_leader is not None:
            assert o.vs_leader.high < -o.visible_threshold  # visibly below the leader


@pytest.mark.slow
@pytest.mark.parametrize("path", PATIENTS, ids=[p.stem for p in PATIENTS])
def test_headline_is_the_same_for_seeds_0_to_9(path):
    """Issue 9 item 5: the headline options (names and groups) do not change across seeds 0-9
    for the four patients of docs/assessment.md. 20 draws (the CLI uses 60; same names): with
    the shipped posterior every named option's distance from the rule's cut is at least 12.5
    hairs per cm² at 60 draws and 9.7 at 20 (seeds 0-9, docs/assessment.md), far beyond the
    seed-to-seed spread of 1-4, so 20 draws keep the answer for a third of the cost."""
    from concurrent.futures import ProcessPoolExecutor

    from anagen.decision import load_posterior

    post = load_posterior()
    seen = {}
    with ProcessPoolExecutor(2) as ex:
        for seed in range(10):
            a = assess_patient(
                path, seed=seed, n_draws=20, posterior=post, with_evidence=False,
                with_maps=False, executor=ex,
            )  # fmt: skip
            seen[seed] = tuple(
                (g, tuple(a.option(k).name for k in keys))
                for g, keys in zip(GROUPS, headlines(a.options), strict=True)
            )
            assert a.headline == tuple(k for _, ks in zip(GROUPS, headlines(a.options),
                                                          strict=True) for k in ks)  # fmt: skip
    assert len(set(seen.values())) == 1, seen


def test_pdf_draws_the_icon_arrays_as_pictures(on_minoxidil):
    """Issue 9 item 5: the PDF's icon arrays are images, one per option with a chance shown."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from anagen.decision import render_pdf

    shown = sum(
        1 for o in on_minoxidil.options if o.key != "none" and o.shown_chance(12) is not None
    )
    assert shown >= 2
    doc = pdfium.PdfDocument(render_pdf(on_minoxidil, figures={}))
    images = sum(
        1
        for i in range(len(doc))
        for obj in doc[i].get_objects()
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE
    )
    doc.close()
    assert images == shown
