"""The published effects put next to an option's model numbers: the person's sex, the option's strength.

A clinician reading "minoxidil 5 % for a man" expects the men's 5 % trial, not the women's pooled
(mostly 2 %) estimate. Each published row carries the population it was measured in (men,
women, or both) and the option (strength) it measured; :func:`published_for` keeps the rows of
the person's sex (rows of both sexes always count). When anagen holds no row of the person's
sex for the option, the other sex's rows are shown with their label saying so ("trials in
women only: none in men among anagen's published effects"): the only evidence there is, never
passed off as the person's.

Rows:

* arm-level placebo-controlled 48-week minoxidil solution trials of Suchonwanit 2019 [C4]:
  Olsen 2002 (men, 5 % and 2 % arms; Table 2) and Lucky 2004 (women, 5 % and 2 % arms; Table
  3), the same sexes as the calibration rows of ``_calibrate_trials``. Effect = difference of
  the arm mean changes; 95 % CI from the arm SDs with the full placebo n (one comparison shown
  at a time, so the shared placebo arm is not split);
* the finasteride 1 mg trial in 212 men [S22] (+17.3 ± 2.5, the ± read as a standard error, as
  in ``_consistency``);
* the pooled estimates of :func:`anagen.evidence.summarise_evidence` (comparators.csv), by row
  id: PRP RCTs (both sexes), topical minoxidil in women (mostly 2 %: shown for 2 % only),
  laser comb in women, finasteride in men (percent scale), home laser devices (men and women).
"""

from __future__ import annotations

import csv
import functools
import io
import math
from importlib import resources
from typing import Any

from anagen.decision._assessment import PublishedEstimate

__all__ = ["published_for"]

_SEX = {"M": "men", "F": "women", "MF": "men and women"}

#: Minoxidil solution trials shown (trial -> sex): the titles of [OLS02] (men) and Lucky 2004
#: (female pattern hair loss), Suchonwanit 2019 Table 2 (men) / Table 3 (women) [C4].
_ARM_TRIALS = {"Olsen2002": "M", "Lucky2004": "F"}
_TRIAL_LABEL = {"Olsen2002": "Olsen 2002", "Lucky2004": "Lucky 2004"}

#: comparators.csv row id -> (options it measured, sex of its participants).
_POOLED: dict[str, tuple[tuple[str, ...], str]] = {
    "C01": (("prp",), "MF"),  # PRP RCTs, sexes not separated in the abstract
    "C08": (("minoxidil_2",), "F"),  # women; mostly 2 % (strengths pooled)
    "C09": (("lllt",), "F"),  # laser comb, women
    "C10": (("lllt",), "F"),
    "C11": (("finasteride_1mg",), "M"),
    "C12": (("finasteride_1mg",), "M"),
    "C13": (("lllt",), "MF"),  # FDA-cleared home devices, men and women (SMD)
}


def _bundled_arms() -> list[dict[str, str]]:
    """The rows of the bundled ``comparator_trials.csv`` (the file
    :func:`anagen.evidence.load_comparator_trials` reads and validates; read here with the
    ``csv`` module, as text, so that a cold ``assess`` does not import pandas for six numbers
    of two trials - a test keeps :func:`_arm_rows` equal to the rows from the validated frame)."""
    text = resources.files("anagen.evidence").joinpath("data", "comparator_trials.csv")
    return list(csv.DictReader(io.StringIO(text.read_text("utf-8"))))


@functools.cache
def _arm_rows(
    rows: tuple[tuple[tuple[str, str], ...], ...] | None = None,
) -> tuple[tuple[str, str, PublishedEstimate], ...]:
    """The minoxidil arms of :data:`_ARM_TRIALS` vs their placebo arm (``rows``: the table as
    tuples of ``(column, value)``; ``None``: the bundled file). Computed once per process."""
    table = [dict(r) for r in rows] if rows is not None else _bundled_arms()
    out = []
    for r in table:
        if r["trial"] not in _ARM_TRIALS or r["control_type"] != "placebo":
            continue
        arm = str(r["treatment_arm"])
        option = "minoxidil_5" if arm.startswith("5%") else "minoxidil_2"
        d = float(r["treated_change_mean"]) - float(r["control_change_mean"])
        se = math.sqrt(
            float(r["treated_change_sd"]) ** 2 / float(r["n_treated"])
            + float(r["control_change_sd"]) ** 2 / float(r["n_control"])
        )
        sex = _ARM_TRIALS[r["trial"]]
        weeks = int(float(r["duration_weeks"]))
        out.append(
            (
                option,
                sex,
                PublishedEstimate(
                    f"{arm}, {_SEX[sex]} ({_TRIAL_LABEL[r['trial']]}, {weeks} weeks)",
                    f"vs placebo (difference of the arm means; 95% CI from the arm SDs, n = "
                    f"{int(float(r['n_treated']))} vs {int(float(r['n_control']))})",
                    d,
                    d - 1.96 * se,
                    d + 1.96 * se,
                    "hairs_per_cm2",
                    str(r["source"]),
                ),
            )
        )
    return tuple(out)


@functools.cache
def _finasteride_row() -> tuple[tuple[str, str, PublishedEstimate], ...]:
    from anagen.therapy import evidence_priors

    fin = next(e for e in evidence_priors("finasteride_1mg") if e.source == "S22")
    se = 2.5  # "net +17.3 +/- 2.5" [S22], read as a standard error
    return (
        (
            "finasteride_1mg",
            "M",
            PublishedEstimate(
                f"{fin.treatment} [{fin.source}]",
                "vs placebo (95% CI from the published ± 2.5, read as a standard error)",
                float(fin.value),
                float(fin.value) - 1.96 * se,
                float(fin.value) + 1.96 * se,
                "hairs_per_cm2",
                f"{fin.source}: {fin.where}",
            ),
        ),
    )


def _pooled_rows(summary: Any) -> list[tuple[str, str, PublishedEstimate]]:
    out = []
    for p in summary.published:
        options, sex = _POOLED.get(p.row_id, ((), ""))
        for option in options:
            out.append(
                (
                    option,
                    sex,
                    PublishedEstimate(
                        p.treatment,
                        p.comparison,
                        float(p.estimate),
                        float(p.ci_low),
                        float(p.ci_high),
                        p.scale,
                        p.citation,
                    ),
                )
            )
    return out


def _other_sex(q: PublishedEstimate, sex: str, person: str) -> PublishedEstimate:
    label = (
        f"{q.treatment} - trials in {_SEX[sex]} only: none in {_SEX[person]} among anagen's "
        "published effects"
    )
    return PublishedEstimate(
        label, q.comparison, q.estimate, q.ci_low, q.ci_high, q.scale, q.citation
    )


def published_for(option: str, sex: str, summary: Any) -> tuple[PublishedEstimate, ...]:
    """The published effects of ``option`` for a person of ``sex`` ("M" / "F"): trials of the
    person's sex or of both sexes; when there is none, the other sex's, labelled as such."""
    rows = [
        r for r in (*_arm_rows(), *_finasteride_row(), *_pooled_rows(summary)) if r[0] == option
    ]
    mine = [q for _, s, q in rows if sex in s]
    if any(sex == s for _, s, q in rows):
        return tuple(mine)
    other = [_other_sex(q, s, sex) for _, s, q in rows if sex not in s]
    return (*mine, *other)
