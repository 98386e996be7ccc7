"""The bundled evidence tables: columns, rules, and the loaders that check every cell.

Three curated tables ship inside the package (``anagen/evidence/data/``; columns in
``SCHEMA.md``, sources and verification in ``PROVENANCE.md``):

* ``studies.csv`` - stem-cell and related cell therapies for androgenetic alopecia, one row per
  study, arm pair, outcome and time point, as the reports give them;
* ``comparators.csv`` - pooled results of meta-analyses of established treatments;
* ``comparator_trials.csv`` - minoxidil trial arms (mean change, SD, n).

The loaders check every row and name the file, 1-based data row and column of the first
problem. Turning rows into effects is :mod:`anagen.evidence._studies`.
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

__all__ = [
    "CONTROL_TYPES",
    "DESIGN_TYPES",
    "OUTCOMES",
    "OUTCOME_DOMAINS",
    "PRODUCT_GROUPS",
    "load_comparator_trials",
    "load_comparators",
    "load_studies",
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
        from anagen._io import read_text_file

        text = read_text_file(p)  # non-UTF-8, too large, unreadable: one InputError
        label = p.name
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InputError(f"not a readable CSV ({str(exc)[:200]})", file=label) from None
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
