"""What the report says, once: the content both the HTML and the PDF render.

:func:`report_content` reads an :class:`~anagen.decision.Assessment` and returns the report's
content — the option grid (options as columns, the questions patients ask as rows), the icon
arrays, the trials next to the model, the glossary, the provider questions (once), the sources
with their links (DOI, PubMed, PMC or trial registry where the citation gives one; no copies on
third-party sites), and the IPDAS criteria the report meets. It computes nothing new.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["GLOSSARY", "IPDAS", "report_content", "source_link"]

#: Words the report uses, explained.
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "terminal hair",
        "a full, thick, pigmented hair - the hairs that cover the scalp. Pattern "
        "hair loss turns them into vellus hairs.",
    ),
    (
        "vellus hair",
        "a short, thin, colourless hair left by a shrunken (miniaturised) follicle; "
        "it does not cover the scalp.",
    ),
    (
        "target area",
        "a 1 cm² patch of scalp, marked at the start and found again at each visit, "
        "where the trials count hairs. The report predicts the count in such an area.",
    ),
    ("hairs per cm²", "hairs counted in one square centimetre of scalp."),
    (
        "80% interval",
        "the range in which the model puts 8 of 10 of its simulated outcomes for "
        "you: 1 in 10 falls below it and 1 in 10 above it.",
    ),
    (
        "95% confidence interval",
        "the range of effects a trial's data are compatible with "
        "(the usual summary of a trial's uncertainty).",
    ),
    ("median", "the middle value: half of the simulated outcomes are above it, half below."),
    (
        "visible improvement",
        "a gain over no treatment at least as large as the threshold given "
        "in the report (10% of today's count, never less than 10 hairs per cm²).",
    ),
    (
        "GRADE certainty",
        "how much trust the evidence deserves: high, moderate, low or very low "
        "(the GRADE working group's ratings).",
    ),
    (
        "posterior",
        "the model's parameters after fitting them to the published trials "
        "(calibration); 'prior' means before that fit.",
    ),
    (
        "stem-cell / cell-derived product",
        "injections of a person's own fat-derived, hair-follicle "
        "or bone-marrow cells, or of products made from cells (conditioned medium, exosomes).",
    ),
    (
        "Norwood-Hamilton, Ludwig, Savin, Sinclair",
        "scales of how far pattern hair loss has gone "
        "(Norwood-Hamilton for men; Ludwig, Savin and Sinclair for women).",
    ),
)

#: IPDAS criteria (International Patient Decision Aid Standards) and whether this report meets
#: them, with how.
IPDAS: tuple[tuple[str, bool, str], ...] = (
    ("Lists the options, including doing nothing", True, "every option and no treatment"),
    (
        "Positive and negative features of each option, in equal detail",
        True,
        "the option grid: effect, certainty, durability, cost, downtime, side effects, eligibility",
    ),
    ("Outcome probabilities with the same denominator", True, "out of 100 people like you"),
    (
        "Shows the uncertainty around the numbers",
        True,
        "80% intervals, the certainty of the evidence, Monte-Carlo limits (no 0% or 100%)",
    ),
    (
        "Cites the evidence, with links",
        True,
        "every source, linked where a DOI, PubMed record or trial registry is known",
    ),
    ("Plain language, with a glossary", True, "glossary below"),
    ("Compares the model with the trials it rests on", True, "the trials next to the model"),
    (
        "Helps the person say what matters to them and discuss it",
        True,
        "questions to ask a provider",
    ),
    ("States that it is not a diagnosis and who should interpret it", True, "the disclaimer"),
    (
        "Gives the date of the evidence and of the report",
        False,
        "the evidence date is shown when the evidence summary provides one",
    ),
    (
        "Discloses funding and conflicts of interest; was field-tested with patients",
        False,
        "not done: anagen is a research tool",
    ),
)

_PROXIES = (
    "paperexplained", "skyscape", "booksci", "doczz", "docslib", "ichgcp", "ai-bt.com",
    "medpath", "scribd", "abcdocz", "tressless", "blogspot", "healthcert", "puppy-med",
    "globalauthorid", "trials.co",
)  # fmt: skip


def source_link(citation: str, url: str) -> tuple[str, str]:
    """The best link for a source and its kind: DOI, PubMed, PMC, trial registry, the page
    itself; ``("", "no primary link")`` when the only address is a third-party copy."""
    m = re.search(r"doi:\s*(10\.\S+?)[,;)]?(?:\s|$)", citation + " ")
    if m:
        return f"https://doi.org/{m.group(1).rstrip('.')}", "DOI"
    m = re.search(r"PMID\s*:?\s*(\d+)", citation)
    if m:
        return f"https://pubmed.ncbi.nlm.nih.gov/{m.group(1)}/", "PubMed"
    m = re.search(r"\b(NCT\d{8})\b", citation + " " + url)
    if m:
        return f"https://clinicaltrials.gov/study/{m.group(1)}", "trial registry"
    m = re.search(r"\b(PMC\d+)\b", citation + " " + url)
    if m:
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{m.group(1)}/", "PMC"
    if url and not any(p in url for p in _PROXIES):
        return url, "page"
    return "", "no primary link in anagen's sources"


def _iv(iv) -> str:
    return f"{iv.median:+.1f} ({iv.low:+.1f} to {iv.high:+.1f})"


def _status(s: str) -> str:
    return {"eligible": "yes", "ask_specialist": "ask a specialist", "not_eligible": "NO"}[s]


def _grid(a, options) -> dict[str, Any]:
    from anagen.decision._report_figures import icon_array_png

    cols = []
    for o in options:
        h = o.at(12)
        ch = o.shown_chance(12) if o.key != "none" else None
        reasons = [r.text for r in o.candidacy.reasons if r.effect == o.candidacy.status]
        how_much = "comparator" if o.key == "none" else o.effect_text(12)
        if o.is_add_on and h.known:
            how_much = f"{how_much} over {o.comparator_name.lower()} alone"
        cols.append(
            {
                "name": o.name,
                "status": o.candidacy.status,
                "how_much": how_much,
                "change": _iv(h.change_vs_today) if h.known else h.unknown_text,
                "visible_n": ch.out_of_100() if ch is not None else None,
                "visible_text": ch.people_text()
                if ch is not None
                else ("-" if o.key == "none" else h.chance_withheld),
                "icons": icon_array_png(ch.out_of_100()) if ch is not None else "",
                "like_you": (
                    "n/a"
                    if o.key == "none"
                    else "NO - EXTRAPOLATION: " + "; ".join(o.extrapolation)
                    if o.extrapolation
                    else "yes, or not stated in the sources"
                ),
                "standing": o.standing or "-",
                "how_sure": o.certainty.rating,
                "how_long": o.durability.text,
                "cost": o.cost.text(),
                "downtime": o.downtime,
                "side_effects": [f"{s.effect} ({s.frequency})" for s in o.side_effects],
                "eligible": _status(o.candidacy.status) + (f": {reasons[0]}" if reasons else ""),
            }
        )
    return {"columns": cols}


def _trials_vs_model(a) -> list[str]:
    out = []
    for o in a.options:
        pubs = [q for q in o.certainty.published if "hairs" in q.scale.lower() or "cm2" in q.scale]
        if not pubs or o.kind == "combination":
            continue
        e = o.shown(12)
        if e is None:
            out.append(
                f"{o.name}: the trials measured "
                + "; ".join(
                    f"{q.estimate:+.1f} hairs per cm² (95% CI {q.ci_low:+.1f} to "
                    f"{q.ci_high:+.1f}; {q.treatment})"
                    for q in pubs
                )
                + f"; for you at 12 months: {o.at(12).unknown_text}, so the model's number is "
                "not shown."
            )
            continue
        like = (
            " The trials did not enrol people like you (" + "; ".join(o.extrapolation) + "): "
            "the prediction is an extrapolation."
            if o.extrapolation
            else ""
        )
        for q in pubs:
            inside = q.ci_low <= e.median <= q.ci_high
            out.append(
                f"{o.name}: the trials measured {q.estimate:+.1f} hairs per cm² (95% CI "
                f"{q.ci_low:+.1f} to {q.ci_high:+.1f}; {q.treatment}, {q.comparison}); for you the "
                f"model predicts {e.median:+.1f} (80% interval {e.low:+.1f} to {e.high:+.1f}) at 12 "
                f"months.{like} "
                + (
                    "The prediction lies inside the trials' interval."
                    if inside
                    else "The prediction lies outside the trials' interval: the trials' "
                    "participants, follow-up and counting area differ from your case, and the "
                    "calibrated model does not yet reproduce every trial (the model's check "
                    "against each trial is in docs/assessment.md)."
                )
            )
    return out


def report_content(a, figures: dict[str, str]) -> dict[str, Any]:
    """Everything the report shows (see the module docstring)."""
    from anagen.therapy import SOURCES, provider_questions

    opts = list(a.options)
    safe = [o for o in opts if o.safe]
    unsafe = [o for o in opts if not o.safe]
    ordered = safe + unsafe  # an option the person may not take is never first
    grids = [ordered[i : i + 4] for i in range(0, len(ordered), 4)]
    tags = sorted({t for o in opts for t in o.sources} | {t for o in opts for s in o.side_effects
                   for t in s.sources} | {t for o in opts for r in o.candidacy.reasons
                                           for t in r.sources} | {"KAUF98"})  # fmt: skip
    sources = []
    for t in tags:
        s = SOURCES.get(t)
        if s is None:
            continue
        link, kind = source_link(s.citation, s.url)
        sources.append({"tag": t, "citation": s.citation, "grade": s.grade, "link": link,
                        "kind": kind})  # fmt: skip
    seen, questions = set(), []
    for o in opts:
        for part in o.key.split("+"):
            fam = next((x.option for x in opts if x.key == part), o.option)
            if fam in ("none",) or fam in seen:
                continue
            for q, src in provider_questions(fam):
                if q not in seen:
                    seen.add(q)
                    questions.append((q, ", ".join(src)))
            seen.add(fam)
    p = a.patient
    pv = a.provenance
    return {
        "a": a,
        "title": "Hair-loss options: what the evidence and the model say for you",
        "person": f"{p.age:g}-year-old {'man' if p.sex == 'M' else 'woman'}, stage {p.stage}, "
        f"hair loss for {p.patient.years_since_onset:g} years",
        "prior_warning": pv.parameter_source == "prior",
        "grids": [_grid(a, g) for g in grids],
        "trials": _trials_vs_model(a),
        "figures": figures,
        "glossary": GLOSSARY,
        "ipdas": IPDAS,
        "questions": questions,
        "sources": sources,
        "evidence_date": getattr(a.evidence, "evidence_date", None) if a.evidence else None,
        "method": (
            f"{pv.n_draws} parameter draws ({pv.parameter_source_text}), each a stochastic run of "
            f"the target area on a simulated scalp of {pv.n_follicles:,} follicles; seed "
            f"{pv.seed}; anagen {pv.model_version}; schema {pv.schema_version}."
        ),
    }
