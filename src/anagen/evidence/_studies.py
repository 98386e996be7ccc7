"""The bundled trials: load, validate, and turn into analysable effects.

Three curated tables ship inside the package (``anagen/evidence/data/``; columns in
``SCHEMA.md``, sources and verification in ``PROVENANCE.md``):

* ``studies.csv`` - stem-cell and related cell therapies for androgenetic alopecia, one row per
  study, arm pair, outcome and time point, as the reports give them;
* ``comparators.csv`` - pooled results of meta-analyses of established treatments;
* ``comparator_trials.csv`` - minoxidil trial arms (mean change, SD, n).

The loaders check every row and name the file, 1-based data row and column of the first
problem. :func:`study_effects` turns the stem-cell rows into at most one effect per study and
outcome *against a control*, saying what it had to assume; studies that cannot give such an
effect (single-arm series, reports without numbers) are listed by :func:`study_directions` for
a synthesis without meta-analysis.

Effect scale
------------
Most controlled stem-cell trials report the mean **percent change from baseline** per arm (or
per scalp half) and nothing else. The effect is then the difference in mean percent change,
``MD_pct`` (percentage points), which needs no baseline means. Where a trial reports absolute
changes in hairs/cm² the effect is the raw mean difference ``MD``. The two scales are not
pooled together: their conversion needs baseline densities and SDs the reports do not give.

References
----------
.. [1] Higgins JPT, Thomas J, Chandler J, et al. (eds). Cochrane Handbook for Systematic Reviews
   of Interventions v6.4, 2023: §6.5.2 (extracting estimates), §23.2.7 (within-person
   designs), §23.3.4 (shared control arms: split the control group).
.. [2] Campbell M, McKenzie JE, Sowden A, et al. Synthesis without meta-analysis (SWiM) in
   systematic reviews: reporting guideline. BMJ 2020;368:l6890.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from anagen.errors import InputError
from anagen.evidence._convert import CORRELATION_DEFAULT, paired_difference, se_from_ci, se_from_p
from anagen.evidence._effect_sizes import effect_sizes
from anagen.evidence._impute import impute_sd

__all__ = [
    "DESIGN_TYPES",
    "OUTCOME_DOMAINS",
    "PRODUCT_GROUPS",
    "comparator_effects",
    "comparator_pooled",
    "load_comparator_trials",
    "load_comparators",
    "load_studies",
    "study_directions",
    "study_effects",
]

PRODUCT_GROUPS: tuple[str, ...] = (
    "ADSC",
    "ADSC-CE",
    "ADSC-CM",
    "MSC-CM",
    "SVF",
    "HFSC-micrograft",
    "bone-marrow",
    "DSC",
)
DESIGN_TYPES: tuple[str, ...] = ("parallel", "split-scalp", "single-arm")
CONTROL_TYPES: tuple[str, ...] = ("placebo", "untreated", "active", "none")
OUTCOME_DOMAINS: tuple[str, ...] = ("density", "thickness", "histology", "global")
OUTCOMES: dict[str, str] = {  # outcome -> outcome_scale
    "count_pct_change": "percent",
    "density_pct_change": "percent",
    "thickness_pct_change": "percent",
    "density_hairs_per_cm2": "hairs_per_cm2",
    "count_per_0.65cm2": "hairs_per_0.65cm2",
    "count": "hair_count_unspecified_area",
    "follicle_density_per_mm2_biopsy": "follicles_per_mm2",
    "thickness_um": "um",
    "cumulative_hair_diameter_um_per_cm2": "um_per_cm2",
    "VAS_satisfaction": "VAS",
    "VAS_photo": "VAS",
}

PathLike = str | Path

# --------------------------------------------------------------------------------------------
# declarative column checks


@dataclass(frozen=True, slots=True)
class _Col:
    kind: Literal["str", "float", "int", "choice"]
    required: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        if self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind == "str":
            text = "non-empty text"
        else:
            what = "an integer" if self.kind == "int" else "a number"
            bounds = []
            if self.low is not None:
                bounds.append(f"{'>' if self.low_open else '>='} {self.low:g}")
            if self.high is not None:
                bounds.append(f"<= {self.high:g}")
            text = what + (" " + " and ".join(bounds) if bounds else "")
        return text if self.required else text + " (or empty)"

    def parse(self, value: str) -> object:
        """The stripped cell ``value`` as stored: text, a float, or None/NaN when empty.

        Raises ValueError when the value breaks the rule :meth:`allowed` describes.
        """
        if value == "":
            if self.required:
                raise ValueError(value)
            return None if self.kind in ("str", "choice") else math.nan
        if self.kind == "str":
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(value)
            return value
        number = float(value)
        ok = math.isfinite(number)
        if self.kind == "int" and ok:
            ok = number == int(number)
        if ok and self.low is not None:
            ok = number > self.low if self.low_open else number >= self.low
        if ok and self.high is not None:
            ok = number <= self.high
        if not ok:
            raise ValueError(value)
        return number


def _num(
    low: float | None = None,
    high: float | None = None,
    *,
    required: bool = False,
    low_open: bool = False,
) -> _Col:
    return _Col("float", required, low, high, low_open)


def _int(low: float | None = None, high: float | None = None, *, required: bool = False) -> _Col:
    return _Col("int", required, low, high)


def _choice(*choices: str, required: bool = True) -> _Col:
    return _Col("choice", required, choices=choices)


_TEXT = _Col("str", required=False)
_TEXT_REQ = _Col("str", required=True)
_SD = _num(0)
_MEAN = _num()

STUDIES_SCHEMA: dict[str, _Col] = {
    "row_id": _TEXT_REQ,
    "study_id": _TEXT_REQ,
    "year": _int(1990, 2030, required=True),
    "doi_or_pmid": _TEXT_REQ,
    "url_seen": _TEXT,
    "design": _TEXT_REQ,
    "product": _TEXT_REQ,
    "cell_source": _TEXT,
    "autologous": _TEXT,
    "delivery": _TEXT,
    "sessions": _TEXT,
    "interval_weeks": _TEXT,
    "sex": _TEXT,
    "age_mean": _num(0, 120),
    "baseline_severity": _TEXT,
    "n_treated": _int(1),
    "n_control": _int(1),
    "control": _TEXT,
    "followup_weeks": _TEXT,
    "outcome": _choice(*OUTCOMES),
    "treated_baseline_mean": _MEAN,
    "treated_baseline_sd": _SD,
    "treated_followup_mean": _MEAN,
    "treated_followup_sd": _SD,
    "treated_change_mean": _MEAN,
    "treated_change_sd": _SD,
    "control_baseline_mean": _MEAN,
    "control_baseline_sd": _SD,
    "control_followup_mean": _MEAN,
    "control_followup_sd": _SD,
    "control_change_mean": _MEAN,
    "control_change_sd": _SD,
    "adverse_events": _TEXT,
    "where_in_source": _TEXT_REQ,
    "notes": _TEXT,
    "product_group": _choice(*PRODUCT_GROUPS),
    "design_type": _choice(*DESIGN_TYPES),
    "control_type": _choice(*CONTROL_TYPES),
    "outcome_scale": _choice(*sorted(set(OUTCOMES.values()))),
    "outcome_domain": _choice(*OUTCOME_DOMAINS),
    "sessions_min": _num(1),
    "sessions_max": _num(1),
    "interval_weeks_min": _num(0, low_open=True),
    "interval_weeks_max": _num(0, low_open=True),
    "followup_weeks_min": _num(0, low_open=True),
    "followup_weeks_max": _num(0, low_open=True),
    "direction": _choice("-1", "0", "1", required=False),
    "direction_basis": _choice("control", "active", "baseline"),
    "between_p": _num(0, 1, low_open=True),
    "between_p_relation": _choice("=", "<", required=False),
    "control_change_max": _MEAN,
    "n_analysed": _int(1),
    "duplicate_of": _TEXT,
    "risk_of_bias_notes": _TEXT_REQ,
    "verification": _TEXT_REQ,
}

COMPARATORS_SCHEMA: dict[str, _Col] = {
    "row_id": _TEXT_REQ,
    "treatment": _TEXT_REQ,
    "comparison": _TEXT_REQ,
    "outcome": _TEXT_REQ,
    "pooled_md": _MEAN,
    "ci_low": _MEAN,
    "ci_high": _MEAN,
    "k_studies": _TEXT,
    "n_patients": _TEXT,
    "source": _TEXT_REQ,
    "where_in_source": _TEXT_REQ,
    "notes": _TEXT,
    "effect_scale": _choice(
        "hairs_per_cm2", "um", "percent", "SMD", "unclear (labelled OR)", "unspecified"
    ),
    "vs_placebo": _choice("yes", "no", "unclear"),
    "comparator_group": _choice("PRP", "minoxidil", "finasteride", "LLLT", "mixed"),
}

TRIALS_SCHEMA: dict[str, _Col] = {
    "row_id": _TEXT_REQ,
    "trial": _TEXT_REQ,
    "treatment_arm": _TEXT_REQ,
    "control_arm": _TEXT_REQ,
    "population": _TEXT,
    "duration_weeks": _num(0, low_open=True, required=True),
    "n_treated": _int(2, required=True),
    "n_control": _int(2, required=True),
    "treated_change_mean": _num(required=True),
    "treated_change_sd": _SD,
    "control_change_mean": _num(required=True),
    "control_change_sd": _SD,
    "outcome": _TEXT_REQ,
    "source": _TEXT_REQ,
    "where_in_source": _TEXT_REQ,
    "notes": _TEXT,
    "control_type": _choice("placebo", "active"),
    "shares_control_with": _TEXT,
}


def _txt(value: object) -> str | None:
    """Text cell or None (pandas may hold a missing text cell as None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _read(name: str, path: PathLike | None) -> tuple[pd.DataFrame, str]:
    if path is None:
        text = resources.files("anagen.evidence").joinpath("data", name).read_text("utf-8")
        label = name
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError("file not found", field="path", file=str(p))
        text = p.read_text("utf-8")
        label = p.name
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV ({exc})", file=label) from None
    return frame, label


def _validate(frame: pd.DataFrame, schema: dict[str, _Col], label: str) -> pd.DataFrame:
    for problem, cols in (
        ("missing", [c for c in schema if c not in frame.columns]),
        ("unknown", [c for c in frame.columns if c not in schema]),
    ):
        if cols:
            raise InputError(
                f"{problem} column(s) {', '.join(cols)}",
                field=cols[0],
                file=label,
                allowed="the columns listed in SCHEMA.md",
            )
    out: dict[str, list[object]] = {c: [] for c in schema}
    for i, rec in enumerate(frame.itertuples(index=False, name=None), start=1):
        for col, raw in zip(frame.columns, rec, strict=True):
            spec = schema[col]
            value = raw.strip()
            try:
                out[col].append(spec.parse(value))
            except ValueError:
                raise InputError(
                    field=col, row=i, file=label, allowed=spec.allowed(), got=value
                ) from None
    result = pd.DataFrame(out, columns=list(schema))
    for col, spec in schema.items():
        if spec.kind == "int":
            result[col] = result[col].astype("Int64") if len(result) else result[col]
    if "row_id" in result and result["row_id"].duplicated().any():
        i = int(np.flatnonzero(result["row_id"].duplicated().to_numpy())[0]) + 1
        raise InputError(
            field="row_id", row=i, file=label, allowed="unique", got=result["row_id"].iloc[i - 1]
        )
    return result


def _check_range_pairs(frame: pd.DataFrame, label: str, stems: tuple[str, ...]) -> None:
    for stem in stems:
        lo, hi = frame[f"{stem}_min"], frame[f"{stem}_max"]
        bad = (lo > hi).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                field=f"{stem}_max",
                row=i + 1,
                file=label,
                allowed=f">= {stem}_min ({lo.iloc[i]:g})",
                got=float(hi.iloc[i]),
            )


def load_studies(path: PathLike | None = None) -> pd.DataFrame:
    """Load and validate the stem-cell study table.

    Parameters
    ----------
    path
        A CSV with the bundled columns (``SCHEMA.md``); ``None`` loads the bundled
        ``studies.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per study, arm pair, outcome and time point; numbers as floats (NaN when not
        reported), counts as nullable integers, text as ``str`` or ``None``.

    Raises
    ------
    InputError
        Missing file, missing/unknown column, or a cell that breaks its column's rule; the
        message names the file, the 1-based data row and the column.
    """
    frame, label = _read("studies.csv", path)
    df = _validate(frame, STUDIES_SCHEMA, label)
    _check_range_pairs(df, label, ("sessions", "interval_weeks", "followup_weeks"))
    ids = set(df["study_id"])
    for i, rec in enumerate(df.itertuples(index=False), start=1):
        if rec.outcome_scale != OUTCOMES[rec.outcome]:
            raise InputError(
                field="outcome_scale",
                row=i,
                file=label,
                allowed=f"{OUTCOMES[rec.outcome]!r} for outcome {rec.outcome!r}",
                got=rec.outcome_scale,
            )
        if rec.design_type == "single-arm" and rec.control_type != "none":
            raise InputError(
                field="control_type",
                row=i,
                file=label,
                allowed="'none' for a single-arm design",
                got=rec.control_type,
            )
        if rec.design_type != "single-arm" and rec.control_type == "none":
            raise InputError(
                field="control_type",
                row=i,
                file=label,
                allowed="a control for a controlled design",
                got=rec.control_type,
            )
        if (_txt(rec.between_p_relation) is None) != math.isnan(rec.between_p):
            raise InputError(
                field="between_p_relation",
                row=i,
                file=label,
                allowed="given exactly when between_p is given",
                got=rec.between_p_relation,
            )
        if _txt(rec.duplicate_of) is not None and rec.duplicate_of not in ids:
            raise InputError(
                field="duplicate_of",
                row=i,
                file=label,
                allowed="a study_id in this file",
                got=rec.duplicate_of,
            )
    return df


def load_comparators(path: PathLike | None = None) -> pd.DataFrame:
    """Load and validate the pooled comparator meta-analyses (``comparators.csv``).

    Parameters
    ----------
    path
        A CSV with the bundled columns; ``None`` loads the bundled file.

    Returns
    -------
    pandas.DataFrame
        One row per pooled estimate as published (``pooled_md`` with its 95% CI).

    Raises
    ------
    InputError
        As :func:`load_studies`; also an estimate outside its own CI, or an estimate given
        without both CI limits.
    """
    frame, label = _read("comparators.csv", path)
    df = _validate(frame, COMPARATORS_SCHEMA, label)
    for i, rec in enumerate(df.itertuples(index=False), start=1):
        given = [not math.isnan(v) for v in (rec.pooled_md, rec.ci_low, rec.ci_high)]
        if any(given) and not all(given):
            field = ("pooled_md", "ci_low", "ci_high")[given.index(False)]
            raise InputError(
                field=field,
                row=i,
                file=label,
                allowed="given together with the estimate and both CI limits",
                got="",
            )
        if all(given) and not rec.ci_low <= rec.pooled_md <= rec.ci_high:
            raise InputError(
                field="pooled_md",
                row=i,
                file=label,
                allowed=f"within its CI [{rec.ci_low:g}, {rec.ci_high:g}]",
                got=rec.pooled_md,
            )
    return df


def load_comparator_trials(path: PathLike | None = None) -> pd.DataFrame:
    """Load and validate the minoxidil trial arms (``comparator_trials.csv``).

    Parameters
    ----------
    path
        A CSV with the bundled columns; ``None`` loads the bundled file.

    Returns
    -------
    pandas.DataFrame
        One row per treated-vs-control arm pair (mean change in hairs/cm², SD, n).

    Raises
    ------
    InputError
        As :func:`load_studies`.
    """
    frame, label = _read("comparator_trials.csv", path)
    return _validate(frame, TRIALS_SCHEMA, label)


# --------------------------------------------------------------------------------------------
# effects against control

_SCALE_MEASURE = {
    "percent": "MD_pct",
    "hairs_per_cm2": "MD",
    "hairs_per_0.65cm2": "MD",
    "um": "MD",
    "um_per_cm2": "MD",
    "follicles_per_mm2": "MD",
    "VAS": "MD",
    "hair_count_unspecified_area": "MD",
}
# preferred scale when one study reports the same outcome several ways
_SCALE_RANK = {
    "hairs_per_cm2": 0,
    "percent": 1,
    "hairs_per_0.65cm2": 2,
    "um": 3,
    "um_per_cm2": 4,
    "follicles_per_mm2": 5,
    "hair_count_unspecified_area": 6,
    "VAS": 7,
}

MissingSE = Literal["p_bound", "borrow_sd"]


def _f(x: object) -> float:
    return math.nan if x is None or x is pd.NA else float(x)  # type: ignore[arg-type]


def _check_outcome(outcome: str) -> None:
    if outcome not in OUTCOME_DOMAINS:
        raise InputError(
            field="outcome", allowed=f"one of {', '.join(OUTCOME_DOMAINS)}", got=outcome
        )


def _citation(rec: object) -> str:
    return f"{rec.study_id} ({rec.year}); {rec.doi_or_pmid}; {rec.where_in_source}"  # type: ignore[attr-defined]


def _donor_sds(df: pd.DataFrame, scale: str) -> tuple[np.ndarray, list[str]]:
    """Reported change SDs on one outcome scale, from rows kept for analysis."""
    sds: list[float] = []
    who: list[str] = []
    rows = df[(df["outcome_scale"] == scale) & df["duplicate_of"].isna()]
    for rec in rows.itertuples(index=False):
        for arm in ("treated", "control"):
            sd = _f(getattr(rec, f"{arm}_change_sd"))
            if not math.isnan(sd):
                sds.append(sd)
                who.append(f"{rec.study_id} {arm} {_f(rec.followup_weeks_min):g} wk")
    return np.asarray(sds, dtype=float), who


def _controlled_effect(
    rec: object, df: pd.DataFrame, r: float, missing_se: MissingSE, sd_method: str
) -> dict[str, object] | None:
    """One row's effect vs control, or None when the report does not allow one.

    The variance comes from the first source that works, in this order: the reported SDs;
    then, for ``missing_se="p_bound"``, the between-group p-value, else SDs borrowed from
    other trials on the same scale; for ``"borrow_sd"`` the same two in the other order. In a
    split-scalp trial that reports the treated half's SD only, the control half is assumed
    to have the same SD before anything is borrowed.
    """
    g = rec.__getattribute__
    mt = _f(g("treated_change_mean"))
    mc = _f(g("control_change_mean"))
    notes: list[str] = []
    if math.isnan(mc) and not math.isnan(_f(g("control_change_max"))):
        mc = _f(g("control_change_max"))
        notes.append(
            f"control change reported only as '<{mc:g}'; the bound {mc:g} is used "
            "(shrinks the difference)"
        )
    if math.isnan(mt) or math.isnan(mc):
        return None
    scale = g("outcome_scale")
    sdt, sdc = _f(g("treated_change_sd")), _f(g("control_change_sd"))
    p, p_rel = _f(g("between_p")), g("between_p_relation")
    paired = g("design_type") == "split-scalp"
    n_t, n_c, n_an = _f(g("n_treated")), _f(g("n_control")), _f(g("n_analysed"))
    yi = mt - mc
    if paired:
        n_t = n_c = n_an if not math.isnan(n_an) else n_t
    elif not (math.isnan(n_an) or math.isnan(n_t) or math.isnan(n_c)) and n_an < n_t + n_c:
        share = n_t / (n_t + n_c)
        n_t, n_c = n_an * share, n_an * (1.0 - share)
        notes.append(f"n per arm derived: {n_an:g} analysed split as randomised ({n_t:g}/{n_c:g})")
    if math.isnan(n_t) or math.isnan(n_c):
        return None

    def from_sds(s1: float, s2: float) -> float:
        if paired:
            notes.append(f"paired SE with assumed between-half correlation r = {r:g}")
            return float(paired_difference(mt, mc, n_t, sd_treated=s1, sd_control=s2, r=r)[1][0])
        return float(effect_sizes("MD", mt, s1, n_t, mc, s2, n_c)[1][0])

    def from_p() -> float | None:
        if math.isnan(p):
            return None
        notes.append(
            f"SE from the between-{'half' if paired else 'group'} p {p_rel} {p:g} "
            "(z test assumed; a bound gives the largest SE compatible with the report)"
        )
        return float(se_from_p(yi, p)[0]) ** 2

    def from_borrowed() -> float | None:
        donors, who = _donor_sds(df, scale)
        if donors.size == 0:
            return None
        filled = impute_sd(
            [sdt, sdc],
            method=sd_method,
            donor_sd=donors,  # type: ignore[arg-type]
            labels=who,
        )
        notes.extend(sorted({h for h in filled.how if h}))
        return from_sds(float(filled.sd[0]), float(filled.sd[1]))

    if not (math.isnan(sdt) or math.isnan(sdc)):
        vi: float | None = from_sds(sdt, sdc)
    elif paired and not math.isnan(sdt):
        notes.append(f"control-half SD not reported, assumed equal to the treated half's ({sdt:g})")
        vi = from_sds(sdt, sdt)
    else:
        order = (from_p, from_borrowed) if missing_se == "p_bound" else (from_borrowed, from_p)
        vi = order[0]()
        if vi is None:
            vi = order[1]()
    if vi is None:
        return None
    return dict(
        yi=yi,
        vi=vi,
        measure=_SCALE_MEASURE[scale],
        n_treated=n_t,
        n_control=n_c,
        imputed=bool(notes),
        imputation="; ".join(notes),
    )


_EFFECT_COLUMNS = [
    "study_id",
    "year",
    "product",
    "product_group",
    "design",
    "control",
    "n_treated",
    "n_control",
    "followup_weeks",
    "outcome",
    "outcome_scale",
    "measure",
    "yi",
    "vi",
    "se",
    "imputed",
    "imputation",
    "risk_of_bias_notes",
    "citation",
    "row_id",
]


def study_effects(
    *,
    outcome: str = "density",
    r: float = CORRELATION_DEFAULT,
    missing_se: MissingSE = "p_bound",
    sd_method: str = "max_sd",
    studies: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One analysable effect per stem-cell study against its control, for one outcome.

    Parameters
    ----------
    outcome
        Outcome domain: ``"density"`` (hair count or density, any area or percent scale),
        ``"thickness"``, ``"histology"`` or ``"global"``.
    r
        Assumed correlation between the two halves of a split-scalp trial, used when its
        within-patient SE has to be rebuilt from SDs (Cochrane Handbook §23.2.7; default
        0.5, vary over :data:`anagen.evidence.CORRELATION_RANGE`).
    missing_se
        What to do when a trial gives no SD: ``"p_bound"`` (default) derives the SE from the
        reported between-group p-value, taking a bound such as ``P < 0.0001`` at its limit
        (the widest SE compatible with the report); ``"borrow_sd"`` borrows SDs from other
        bundled trials on the same scale (:func:`anagen.evidence.impute_sd`). Either way the
        effect is flagged ``imputed``.
    sd_method
        Borrowing rule for ``impute_sd`` (default ``"max_sd"``, the conservative choice).
    studies
        A table as returned by :func:`load_studies`; ``None`` uses the bundled one.

    Returns
    -------
    pandas.DataFrame
        Columns ``study_id, year, product, product_group, design (parallel|split-scalp),
        control, n_treated, n_control, followup_weeks, outcome, outcome_scale, measure
        ("MD_pct": difference in mean percent change, percentage points; "MD": raw mean
        difference in the outcome's unit), yi, vi, se, imputed, imputation (what was
        assumed), risk_of_bias_notes, citation, row_id``. No NaN in ``yi``/``vi``.

    Notes
    -----
    Rows are dropped, never invented, when (i) the study has no control (single-arm; see
    :func:`study_directions`), (ii) the control is an active treatment, (iii) the row is
    marked ``duplicate_of`` another report of the same cohort (Gentile 2019 *Biomedicines*
    repeats Gentile 2017's 29 ± 5% result, relabelled as thickness; the 2017 report, which
    gives the placebo-area comparison, is kept), or (iv) the report lacks a mean for either
    arm. When a study reports the same outcome several ways, the hairs/cm² row is preferred
    to the percent row, then the longest follow-up.

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §6.5.2.3, §23.2.7.
    .. [2] Furukawa TA, et al. J Clin Epidemiol 2006;59(1):7-10.
    """
    _check_outcome(outcome)
    if missing_se not in ("p_bound", "borrow_sd"):
        raise InputError(field="missing_se", allowed="one of p_bound, borrow_sd", got=missing_se)
    if not -1 <= r <= 1:
        raise InputError(field="r", allowed="in [-1, 1]", got=r)
    from anagen.evidence._store import default_studies

    df = default_studies() if studies is None else studies
    rows = df[
        (df["outcome_domain"] == outcome)
        & df["duplicate_of"].isna()
        & df["control_type"].isin(["placebo", "untreated"])
    ]
    found: list[dict[str, object]] = []
    for rec in rows.itertuples(index=False):
        eff = _controlled_effect(rec, df, r, missing_se, sd_method)
        if eff is None:
            continue
        found.append(
            dict(
                study_id=rec.study_id,
                year=int(rec.year),
                product=rec.product,
                product_group=rec.product_group,
                design=rec.design_type,
                control=rec.control,
                followup_weeks=_f(rec.followup_weeks_max),
                outcome=rec.outcome,
                outcome_scale=rec.outcome_scale,
                risk_of_bias_notes=rec.risk_of_bias_notes,
                citation=_citation(rec),
                row_id=rec.row_id,
                **eff,
            )
        )
    out = pd.DataFrame(found, columns=[c for c in _EFFECT_COLUMNS if c != "se"])
    if len(out):
        out["_rank"] = out["outcome_scale"].map(_SCALE_RANK)
        out["_fu"] = -out["followup_weeks"].fillna(-1.0)
        out = (
            out.sort_values(["study_id", "_rank", "_fu"])
            .drop_duplicates("study_id", keep="first")
            .drop(columns=["_rank", "_fu"])
        )
    floats = ["n_treated", "n_control", "followup_weeks", "yi", "vi"]
    out = out.astype({**dict.fromkeys(floats, float), "year": int, "imputed": bool})
    out["se"] = np.sqrt(out["vi"])
    out = out[_EFFECT_COLUMNS].sort_values(["measure", "year", "study_id"]).reset_index(drop=True)
    return out


_DIRECTION_COLUMNS = [
    "study_id",
    "year",
    "product_group",
    "design",
    "comparison",
    "direction",
    "n",
    "followup_weeks",
    "outcome",
    "change_treated",
    "change_control",
    "between_p",
    "quantified",
    "reason",
    "risk_of_bias_notes",
    "citation",
    "row_id",
]


def study_directions(
    *, outcome: str = "density", studies: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every stem-cell study of one outcome with its reported direction of effect.

    For a synthesis without meta-analysis (vote counting on direction, sign test; SWiM
    guideline) this lists one row per study, including those :func:`study_effects` cannot
    quantify (single-arm series, active comparators, reports without numbers).

    Parameters
    ----------
    outcome
        Outcome domain, as in :func:`study_effects`.
    studies
        A table from :func:`load_studies`; ``None`` uses the bundled one.

    Returns
    -------
    pandas.DataFrame
        Columns ``study_id, year, product_group, design, comparison ("vs control" |
        "vs active" | "vs baseline"), direction (+1 favours treatment, 0 no difference, -1
        favours the comparison, NaN not reported), n, followup_weeks, outcome,
        change_treated, change_control, between_p, quantified (True if the study is in
        study_effects), reason (why not, if not), risk_of_bias_notes, citation, row_id``.
        A study's row is its comparison against control when it has one, else against an
        active treatment, else against baseline. Duplicate reports are left out.

    References
    ----------
    .. [1] Campbell M, et al. BMJ 2020;368:l6890 (SWiM).
    """
    _check_outcome(outcome)
    from anagen.evidence._store import default_studies

    df = default_studies() if studies is None else studies
    quantified = set(study_effects(outcome=outcome, studies=df)["study_id"])
    rows = df[(df["outcome_domain"] == outcome) & df["duplicate_of"].isna()]
    basis_rank = {"control": 0, "active": 1, "baseline": 2}
    recs: list[dict[str, object]] = []
    for rec in rows.itertuples(index=False):
        comparison = {"control": "vs control", "active": "vs active", "baseline": "vs baseline"}[
            rec.direction_basis
        ]
        if rec.study_id in quantified:
            reason = ""
        elif rec.design_type == "single-arm":
            reason = "no control group"
        elif rec.control_type == "active":
            reason = "active comparator (not placebo)"
        elif math.isnan(_f(rec.treated_change_mean)):
            reason = "no numeric result in the accessible report"
        else:
            reason = "control-arm result not reported"
        n = _f(rec.n_analysed)
        if math.isnan(n):
            n = _f(rec.n_treated) + (
                0.0 if rec.design_type == "split-scalp" else np.nan_to_num(_f(rec.n_control))
            )
        recs.append(
            dict(
                study_id=rec.study_id,
                year=int(rec.year),
                product_group=rec.product_group,
                design=rec.design_type,
                comparison=comparison,
                direction=math.nan if _txt(rec.direction) is None else float(rec.direction),
                n=n,
                followup_weeks=_f(rec.followup_weeks_max),
                outcome=rec.outcome,
                change_treated=_f(rec.treated_change_mean),
                change_control=_f(rec.control_change_mean),
                between_p=_f(rec.between_p),
                quantified=rec.study_id in quantified,
                reason=reason,
                risk_of_bias_notes=rec.risk_of_bias_notes,
                citation=_citation(rec),
                row_id=rec.row_id,
                _rank=basis_rank[rec.direction_basis],
                _known=0 if _txt(rec.direction) is not None else 1,
            )
        )
    out = pd.DataFrame(recs, columns=[*_DIRECTION_COLUMNS, "_rank", "_known"])
    out = (
        out.sort_values(
            ["study_id", "_rank", "_known", "followup_weeks"], ascending=[True, True, True, False]
        )
        .drop_duplicates("study_id", keep="first")
        .drop(columns=["_rank", "_known"])
    )
    out["quantified"] = out["quantified"].astype(bool)
    return out.sort_values(["year", "study_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# comparators

_TRIAL_COLUMNS = [
    "trial",
    "treatment_arm",
    "control_arm",
    "control_type",
    "duration_weeks",
    "n_treated",
    "n_control",
    "measure",
    "yi",
    "vi",
    "se",
    "imputed",
    "imputation",
    "citation",
    "row_id",
]


def comparator_effects(
    *, trials: pd.DataFrame | None = None, sd_method: str = "median_sd"
) -> pd.DataFrame:
    """Mean differences (hairs/cm², change from baseline) for the bundled minoxidil arms.

    Parameters
    ----------
    trials
        A table from :func:`load_comparator_trials`; ``None`` uses the bundled one.
    sd_method
        Rule for arms without an SD (:func:`anagen.evidence.impute_sd`), borrowing from the
        arms of placebo-controlled trials in the same table that report one.

    Returns
    -------
    pandas.DataFrame
        Columns ``trial, treatment_arm, control_arm, control_type ("placebo" | "active"),
        duration_weeks, n_treated, n_control, measure ("MD"), yi, vi, se, imputed,
        imputation, citation, row_id``. Where two active arms share one placebo arm
        (three-arm trials), the placebo n is split evenly between the comparisons so the
        placebo patients are not counted twice (Cochrane Handbook §23.3.4).

    References
    ----------
    .. [1] Viechtbauer W. J Stat Softw 2010;36(3) (``escalc`` MD).
    .. [2] Cochrane Handbook v6.4, §23.3.4; §6.5.2.10 (SD imputation).
    """
    t = load_comparator_trials() if trials is None else trials
    donors_mask = t["control_type"] == "placebo"
    donor_sd = np.concatenate(
        [
            t.loc[donors_mask, "treated_change_sd"].to_numpy(float),
            t.loc[donors_mask, "control_change_sd"].to_numpy(float),
        ]
    )
    donor_sd = donor_sd[~np.isnan(donor_sd)]
    shares = t.groupby(["trial", "control_arm"])["row_id"].transform("count")
    out: list[dict[str, object]] = []
    for rec, k in zip(t.itertuples(index=False), shares, strict=True):
        notes: list[str] = []
        sd1, sd2 = float(rec.treated_change_sd), float(rec.control_change_sd)
        if math.isnan(sd1) or math.isnan(sd2):
            filled = impute_sd([sd1, sd2], method=sd_method, donor_sd=donor_sd)  # type: ignore[arg-type]
            sd1, sd2 = (float(x) for x in filled.sd)
            notes.extend(sorted({h for h in filled.how if h}))
        n2 = float(rec.n_control)
        if k > 1:
            n2 = n2 / k
            notes.append(
                f"shared control arm (n={float(rec.n_control):g}) split across {k} "
                f"comparisons: n={n2:g}"
            )
        yi, vi = effect_sizes(
            "MD", rec.treated_change_mean, sd1, rec.n_treated, rec.control_change_mean, sd2, n2
        )
        imputed = any(n.startswith("SD imputed") for n in notes)
        out.append(
            dict(
                trial=rec.trial,
                treatment_arm=rec.treatment_arm,
                control_arm=rec.control_arm,
                control_type=rec.control_type,
                duration_weeks=float(rec.duration_weeks),
                n_treated=float(rec.n_treated),
                n_control=n2,
                measure="MD",
                yi=float(yi[0]),
                vi=float(vi[0]),
                se=math.sqrt(float(vi[0])),
                imputed=imputed,
                imputation="; ".join(notes),
                citation=f"{rec.trial}; via {rec.source}; {rec.where_in_source}",
                row_id=rec.row_id,
            )
        )
    return pd.DataFrame(out, columns=_TRIAL_COLUMNS)


_POOLED_COLUMNS = [
    "treatment",
    "comparison",
    "comparator_group",
    "outcome",
    "effect_scale",
    "vs_placebo",
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "vi",
    "k_studies",
    "n_patients",
    "citation",
    "notes",
    "row_id",
]


def comparator_pooled(*, comparators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published pooled estimates for established treatments, with SE from their 95% CI.

    Parameters
    ----------
    comparators
        A table from :func:`load_comparators`; ``None`` uses the bundled one.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, comparison, comparator_group, outcome, effect_scale,
        vs_placebo, estimate, ci_low, ci_high, se, vi, k_studies, n_patients, citation,
        notes, row_id``. ``se = (ci_high - ci_low) / (2 × 1.959964)`` (normal-based 95%
        interval assumed; the sources do not say). Rows whose source gives no estimate are
        left out.

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §6.5.2.2.
    """
    c = load_comparators() if comparators is None else comparators
    c = c[c["pooled_md"].notna()].copy()
    se = se_from_ci(c["ci_low"].to_numpy(float), c["ci_high"].to_numpy(float))
    out = pd.DataFrame(
        {
            "treatment": c["treatment"],
            "comparison": c["comparison"],
            "comparator_group": c["comparator_group"],
            "outcome": c["outcome"],
            "effect_scale": c["effect_scale"],
            "vs_placebo": c["vs_placebo"],
            "estimate": c["pooled_md"].astype(float),
            "ci_low": c["ci_low"].astype(float),
            "ci_high": c["ci_high"].astype(float),
            "se": se,
            "vi": se**2,
            "k_studies": c["k_studies"],
            "n_patients": c["n_patients"],
            "citation": c["source"] + "; " + c["where_in_source"],
            "notes": c["notes"],
            "row_id": c["row_id"],
        }
    )
    return out[_POOLED_COLUMNS].reset_index(drop=True)
