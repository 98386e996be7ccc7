"""Candidacy: eligible / not eligible / ask a specialist, with the reasons and their sources.

The rules are the exclusions used by the cited trials (STYLE [T19], the PRF + transplant study
[T85]) and the contraindication lists of clinics (grade C: [T75][T83][T84]). A rule either
excludes (``not_eligible``), asks for a specialist's judgement (``ask_specialist``), or adds a
note that does not change the verdict. This is decision support for a conversation with a
specialist, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from anagen.therapy.options import option_info
from anagen.therapy.patient import Patient
from anagen.therapy.stage_scales import ludwig_of, norwood_main, same_stage_on, savin_of
from anagen.therapy.treatments import affected_zones

__all__ = [
    "CELL_OPTIONS",
    "INJECTION_OPTIONS",
    "TRIAL_WINDOWS",
    "Candidacy",
    "Reason",
    "TrialWindow",
    "assess",
    "provider_questions",
]

Status = Literal["eligible", "ask_specialist", "not_eligible"]
_RANK = {"eligible": 0, "note": 0, "ask_specialist": 1, "not_eligible": 2}

#: Options given by injection into the scalp.
INJECTION_OPTIONS = ("adipose_cells", "hf_micrografts", "bone_marrow_cells", "cell_free", "prp")
#: Stem-cell and cell-derived options (unapproved outside trials in the US [T112]).
CELL_OPTIONS = ("adipose_cells", "hf_micrografts", "bone_marrow_cells", "cell_free")
_DRUGS = ("minoxidil_2", "minoxidil_5", "finasteride_1mg")

#: Stages enrolled by the STYLE trial [T19].
STYLE_MEN = ("III", "IIIa", "III-vertex", "IV", "IVa")
STYLE_WOMEN = ("I-3", "I-4", "II-1", "II-2")
ADVANCED = {"M": ("V", "Va", "VI", "VII"), "F": ("III", "advanced", "Sinclair-5")}


@dataclass(frozen=True, slots=True)
class TrialWindow:
    """Who a product's trial enrolled: stages by sex (empty: not in anagen's sources), ages."""

    trial: str
    men: tuple[str, ...]
    women: tuple[str, ...]
    age: tuple[float, float] | None
    sources: tuple[str, ...]


#: The trial behind each cell product and whom it enrolled (the trial's own scale: Savin for
#: STYLE, Ludwig for Gentile and Kim). Products without enrolment criteria in anagen's sources
#: get a note instead of a stage check.
TRIAL_WINDOWS: dict[str, TrialWindow] = {
    "svf_enriched_fat": TrialWindow("the STYLE trial", STYLE_MEN, STYLE_WOMEN, None, ("T19",)),
    "svf": TrialWindow(
        "Kim 2021 (SVF)", ("IV", "IVa", "V", "Va"), ("I", "II", "III"), (43, 64), ("T15",)
    ),
    "hf_micrografts": TrialWindow(
        "Gentile 2019 (micrografts)",
        ("II", "IIa", "III", "IIIa", "III-vertex", "IV", "IVa", "V", "Va"),
        ("I", "II"),
        None,
        ("T31",),
    ),
    "bone_marrow_cells": TrialWindow("Elmaadawi 2018 (bone-marrow cells)", (), (), None, ("T44",)),
    "adsc_conditioned_medium": TrialWindow(
        "Fukuoka 2012 (conditioned medium)", (), (), None, ("T50",)
    ),
    "exosomes": TrialWindow("the cited exosome reports", (), (), None, ()),
    "cultured_adsc": TrialWindow("the cited cultured-ADSC reports", (), (), None, ()),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One finding: its effect (``'not_eligible'``, ``'ask_specialist'`` or ``'note'``)."""

    effect: str
    text: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"effect": self.effect, "text": self.text, "sources": list(self.sources)}


@dataclass(frozen=True, slots=True)
class Candidacy:
    """Verdict for one option and one patient."""

    option: str
    status: Status
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "option": self.option,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }

    def why(self) -> str:
        """The reasons behind the status, joined (``''`` when the status has none)."""
        return "; ".join(r.text for r in self.reasons if r.effect == self.status)

    def summary(self) -> str:
        """``'ask_specialist: smoker (fewer fat-derived cells)'``-style short text."""
        main = [r.text for r in self.reasons if r.effect == self.status]
        return self.status + (f": {main[0]}" if main else "")


def _injection_rules(p: Patient, option: str) -> list[Reason]:
    h, out = p.health, []
    add = out.append
    if h.pregnant or h.breastfeeding:
        add(
            Reason(
                "not_eligible",
                "pregnancy or breast-feeding (excluded by the trials and clinics)",
                ("T19", "T83"),
            )
        )
    if h.active_scalp_infection:
        add(Reason("not_eligible", "active scalp infection", ("T83",)))
    if h.malignancy:
        add(
            Reason(
                "not_eligible", "cancer (listed as a contraindication by clinics)", ("T84", "T75")
            )
        )
    if h.bleeding_disorder:
        add(Reason("not_eligible", "bleeding disorder", ("T83", "T85")))
    if h.anticoagulants:
        add(
            Reason(
                "not_eligible",
                "anticoagulant treatment (warfarin, DOACs, long-term heparin)",
                ("T83",),
            )
        )
    if h.low_dose_aspirin:
        add(Reason("ask_specialist", "low-dose aspirin may continue only after review", ("T83",)))
    if h.platelets_below_100k:
        effect = "not_eligible" if option == "prp" else "ask_specialist"
        add(Reason(effect, "platelets below 100,000/uL", ("T83",)))
    if h.immunosuppressed:
        add(Reason("ask_specialist", "immunosuppression or steroid therapy", ("T75",)))
    if p.age < 18:
        add(Reason("not_eligible", "under 18 (trial inclusion was age >= 18)", ("T19",)))
    return out


def _window_rules(p: Patient, product: str | None) -> list[Reason]:
    """The product's own trial enrolment: stage (Ludwig, Savin and Sinclair mapped onto the
    trial's scale, :mod:`anagen.therapy.stage_scales`) and age."""
    w = TRIAL_WINDOWS.get(product or "")
    if w is None:
        return [Reason("note", "the enrolment criteria depend on the product's trial", ())]
    enrolled = w.men if p.sex == "M" else w.women
    out = []
    if not enrolled:
        out.append(
            Reason(
                "note",
                f"the stages {w.trial} enrolled are not in anagen's sources: ask whether people "
                "like you were studied",
                w.sources,
            )
        )
    else:
        where = same_stage_on(p.sex, p.stage, enrolled)
        scale = f"{w.trial} enrolled {', '.join(enrolled)}"
        if where == "outside":
            out.append(
                Reason(
                    "ask_specialist", f"stage {p.stage} is outside the stages {scale}", w.sources
                )
            )
        elif where == "partly":
            out.append(
                Reason(
                    "ask_specialist",
                    f"stage {p.stage} spans Savin {', '.join(savin_of(p.stage))}; {scale}: ask "
                    "which of them you are",
                    w.sources,
                )
            )
        else:
            mapped = "" if p.stage in enrolled else f" (stage {p.stage} = {_mapped(p)})"
            out.append(Reason("note", f"{scale}{mapped}", w.sources))
    if w.age is not None and not w.age[0] <= p.age <= w.age[1]:
        out.append(
            Reason(
                "note",
                f"age {p.age:g} is outside the ages {w.trial} enrolled ({w.age[0]:g}-{w.age[1]:g})",
                w.sources,
            )
        )
    return out


def _mapped(p: Patient) -> str:
    if p.sex == "M":
        return f"Norwood-Hamilton {norwood_main(p.stage)}"
    sav = savin_of(p.stage)
    return f"Ludwig {ludwig_of(p.stage)}" + (f", Savin {'/'.join(sav)}" if sav else "")


def _cell_rules(p: Patient, option: str, product: str | None = None) -> list[Reason]:
    h, out = p.health, []
    add = out.append
    if h.active_autoimmune:
        add(
            Reason(
                "not_eligible",
                "active autoimmune disease such as lupus or alopecia areata (STYLE exclusion)",
                ("T19",),
            )
        )
    if option == "adipose_cells" and p.patient.bmi is not None and p.patient.bmi >= 40:
        add(Reason("not_eligible", "BMI >= 40 (STYLE inclusion was BMI < 40)", ("T19",)))
    if p.stage in ADVANCED[p.sex]:
        add(
            Reason(
                "ask_specialist",
                "advanced hair loss: benefit was shown in early loss; transplant is the main option in advanced loss",
                ("T18", "T19", "T39b"),
            )
        )
    else:
        out += _window_rules(p, product)
    recent = [
        (h.months_since_minoxidil, 6, "minoxidil or another hair-loss drug"),
        (h.months_since_finasteride, 12, "finasteride or dutasteride"),
        (
            h.months_since_scalp_procedure,
            6,
            "a transplant, cell treatment, microneedling or other scalp procedure",
        ),
    ]
    for months, limit, what in recent:
        if months is not None and months < limit:
            add(
                Reason(
                    "ask_specialist",
                    f"{what} within {limit} months (a trial exclusion; it also blurs the response)",
                    ("T19",),
                )
            )
    if h.thyroid_disorder:
        add(
            Reason(
                "ask_specialist",
                "thyroid disorder (an exclusion in a transplant study; normal TSH asked by a micrograft protocol)",
                ("T85", "T37"),
            )
        )
    if h.diabetes_uncontrolled:
        add(
            Reason(
                "ask_specialist",
                "uncontrolled diabetes: lower stem-cell function reported (not an explicit trial exclusion)",
                ("T13",),
            )
        )
    if option == "adipose_cells" and p.patient.smoking == "current":
        add(
            Reason(
                "ask_specialist", "current smoker: fewer viable fat-derived cells per gram", ("T4",)
            )
        )
    if option == "adipose_cells" and h.hypertension:
        add(
            Reason(
                "note",
                "hypertension is associated with lower SVF cell counts and viability",
                ("T3", "T5"),
            )
        )
    dead = set(p.dead_zones)
    target = set(affected_zones(p))
    if dead and target <= dead:
        add(
            Reason(
                "not_eligible",
                "no living follicles left in the pattern-loss zones: treatments cannot bring dead follicles back",
                (),
            )
        )
    elif dead & target:
        add(
            Reason(
                "ask_specialist",
                f"no living follicles in {', '.join(sorted(dead & target))}: only zones with living follicles can respond",
                (),
            )
        )
    add(
        Reason(
            "note",
            "not approved in the US outside FDA-overseen trials; in the EU manipulated cells are medicines needing authorisation",
            ("T112", "T121"),
        )
    )
    return out


def _transplant_rules(p: Patient) -> list[Reason]:
    h, out = p.health, []
    if p.age < 25:
        out.append(
            Reason(
                "ask_specialist",
                f"age {p.age:g}: surgery is generally not advised before 25 in pattern hair loss - "
                "the donor zone's stability and the final extent of loss are not yet known, and "
                "demand may outgrow the donor supply",
                ("BERN25",),
            )
        )
    supply = _donor_supply_note(p)
    if supply is not None:
        out.append(supply)
    if h.bleeding_disorder or h.anticoagulants:
        out.append(
            Reason(
                "ask_specialist",
                "bleeding disorder or anticoagulants (an exclusion in a transplant study)",
                ("T85",),
            )
        )
    if h.thyroid_disorder:
        out.append(
            Reason(
                "ask_specialist", "thyroid disorder (an exclusion in a transplant study)", ("T85",)
            )
        )
    if "occipital" in p.dead_zones:
        out.append(
            Reason("not_eligible", "no living follicles in the occipital donor zone", ("T70",))
        )
    if h.active_scalp_infection:
        out.append(Reason("ask_specialist", "active scalp infection", ("T83",)))
    out.append(
        Reason(
            "note",
            "the donor zone is finite: every graft moved leaves the back of the scalp thinner",
            ("T70", "T93"),
        )
    )
    return out


def _donor_supply_note(p: Patient) -> Reason | None:
    """Planned grafts against the donor zone at the measured (or modelled) density."""
    from anagen.scalp import ZONE_NAMES, default_params
    from anagen.therapy.treatments import HairTransplant

    grafts = p.transplant.grafts or HairTransplant().grafts
    hairs_per_graft = 2.2  # [T70]
    params = default_params()
    area = float(params.zones.area_cm2[ZONE_NAMES.index("occipital")])
    dens = p.follicles.measured_density_per_cm2.get("occipital")
    if dens is None:
        return Reason(
            "note",
            f"{grafts:,} grafts ~ {grafts * hairs_per_graft:,.0f} hairs (2.2 per graft); the "
            "donor supply depends on the density at the back of the scalp: give "
            "follicles.measured_density_per_cm2.occipital",
            ("T70", "T93"),
        )
    donor = dens * area
    share = grafts * hairs_per_graft / donor if donor > 0 else float("inf")
    effect = "not_eligible" if donor <= 0 else ("ask_specialist" if share > 0.5 else "note")
    return Reason(
        effect,
        f"{grafts:,} grafts ~ {grafts * hairs_per_graft:,.0f} hairs (2.2 per graft) = "
        f"{100 * share:.0f}% of the ~{donor:,.0f} hairs of the donor zone ({dens:g} per cm² over "
        f"{area:.0f} cm², model zone area)"
        + (": more than half of the donor zone" if share > 0.5 else ""),
        ("T70",),
    )


def _drug_rules(p: Patient, option: str) -> list[Reason]:
    """Label and trial rules of the drugs (``data/safety.toml``)."""
    from anagen.therapy.safety import safety_reasons

    return safety_reasons(p, option)


def assess(patient: Patient, option: str, product: str | None = None) -> Candidacy:
    """Candidacy of ``patient`` for ``option`` (a key of :func:`anagen.therapy.load_options`);
    ``product`` (a cell product key) selects the trial whose enrolment is checked.

    The verdict is the most restrictive of the reasons found; with none, ``eligible``.
    """
    option_info(option)  # validates the key
    reasons: list[Reason] = []
    if option in INJECTION_OPTIONS:
        reasons += _injection_rules(patient, option)
    if option in CELL_OPTIONS:
        reasons += _cell_rules(patient, option, product)
    if option == "transplant":
        reasons += _transplant_rules(patient)
    if option in _DRUGS:
        reasons += _drug_rules(patient, option)
    status: Status = "eligible"
    for r in reasons:
        if _RANK[r.effect] > _RANK[status]:
            status = r.effect  # type: ignore[assignment]
    return Candidacy(option, status, tuple(reasons))


_QUESTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "cells": (
        (
            "Is this a routine treatment or part of a formal clinical trial? If a trial, which registry entry and which independent ethics approval (and when does it expire)?",
            ("T127",),
        ),
        (
            "Is the product approved or licensed for hair loss where you practise? Paying for an unapproved cell product outside a trial is a warning sign.",
            ("T112", "T120"),
        ),
        (
            "Where do the cells come from, how are they processed (enzymatic, mechanical, cultured) and how are they delivered?",
            ("T127",),
        ),
        (
            "What published evidence supports it for my stage of hair loss, how will benefit be measured, and when?",
            ("T127",),
        ),
        (
            "What are the risks, what does the whole course cost, and what are my alternatives?",
            ("T127",),
        ),
        (
            "Can I get an independent second opinion? (Report adverse events to the regulator, e.g. FDA MedWatch.)",
            ("T120", "T114"),
        ),
    ),
    "surgery": (
        ("Who evaluates me and who operates? What is their training and licence?", ("T123",)),
        (
            "Do unlicensed staff make incisions or harvest grafts? Is everyone covered by malpractice insurance?",
            ("T123",),
        ),
        ("Is the surgeon an ABHRS diplomate or ISHRS fellow?", ("T124",)),
        (
            "How many grafts does my donor zone allow over a lifetime, and how thin will the back of my scalp become?",
            ("T70", "T93"),
        ),
    ),
    "general": (("What are my alternatives, and what happens if I do nothing?", ("T127",)),),
}


def provider_questions(option: str) -> list[tuple[str, tuple[str, ...]]]:
    """What to ask a provider before choosing ``option``, each question with its source tags."""
    option_info(option)
    qs: list[tuple[str, tuple[str, ...]]] = []
    if option in CELL_OPTIONS:
        qs += list(_QUESTIONS["cells"])
    if option == "transplant":
        qs += list(_QUESTIONS["surgery"])
    if option not in CELL_OPTIONS:
        qs += list(_QUESTIONS["general"])
    return qs
