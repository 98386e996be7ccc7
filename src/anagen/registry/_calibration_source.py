"""Clinic registry outcomes as an extra, OBSERVATIONAL source for ``anagen calibrate``.

The path: ``anagen registry export --format evidence --to rows.csv`` writes the clinic's
outcomes as study rows (:func:`anagen.registry._io.export_evidence`: row ids ``REG-…``, design
"OBSERVATIONAL clinic registry"); ``anagen evidence add rows.csv`` stores them with the user's
evidence; ``anagen calibrate run --data all`` then fits on the curated trials **and** these rows,
each turned into a virtual trial here:

* a ``single-arm`` row (no untreated comparators) is a **within**-arm change from baseline
  (hairs/cm²; the model's untreated course + treatment, like the Kuka 2020 STYLE time course),
  SE = SD of the patients' changes / √n;
* a ``parallel`` row (at least two untreated comparator patients) is a mean difference
  treated − untreated change (**MD**), SE = √(SD²ₜ/nₜ + SD²꜀/n꜀) (Welch's standard error);
* the population is the row's patients by sex and stage (weights = counts; age = the row's mean
  age at the start of treatment), the treatment is the shipped protocol the clinic recorded and
  the outcome day is the planned month × 30.44 days;
* every trial's ``source`` and ``notes`` say OBSERVATIONAL and name the row; all rows of one
  export are one study (``group``), so leave-one-study-out leaves the clinic out as a whole.

Rows that cannot be simulated (not a shipped protocol, fewer than 2 patients, no SD) are left
out and listed by :func:`registry_trials` ``(trials, skipped)``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from anagen.evidence._store import CLINIC_REGISTRY_DESIGN

__all__ = ["OBSERVATIONAL_DESIGN", "parse_stages", "registry_trials", "stages_text"]

#: How the export's ``design`` column starts (and how this module recognises its rows).
OBSERVATIONAL_DESIGN = CLINIC_REGISTRY_DESIGN
_ROW_ID = re.compile(r"^REG-(?P<clinic>.+)-(?P<option>[a-z0-9_]+)-(?P<month>\d+)m$")
_STAGE = re.compile(r"(?P<sex>[MF])/(?P<scale>[a-z_]+)/(?P<stage>[^ ;]+) x(?P<n>\d+)")


def stages_text(items: list[tuple[str, str, str]]) -> str:
    """``baseline_severity`` of an exported row: ``M/norwood_hamilton/III x3; F/ludwig/II x1``."""
    counts: dict[tuple[str, str, str], int] = {}
    for it in items:
        counts[it] = counts.get(it, 0) + 1
    return "; ".join(f"{s}/{sc}/{st} x{n}" for (s, sc, st), n in sorted(counts.items()))


def parse_stages(text: str) -> list[tuple[str, str, int]]:
    """(sex, stage, count) from :func:`stages_text`'s format."""
    return [(m["sex"], m["stage"], int(m["n"])) for m in _STAGE.finditer(text or "")]


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def registry_trials(studies: Any = None) -> tuple[list[Any], list[str]]:
    """Virtual trials from the OBSERVATIONAL registry rows in ``studies`` (default: the active
    evidence selection, :func:`anagen.evidence._store.default_studies`), and the row ids left
    out with why."""
    from anagen.decision._calibrate_trials import VirtualPatient, VirtualTrial
    from anagen.therapy import protocol_paths

    if studies is None:
        from anagen.evidence._store import default_studies

        studies = default_studies()
    if "design" not in studies.columns:
        return [], []
    design = studies["design"].astype(str)
    rows = studies[design.str.startswith(OBSERVATIONAL_DESIGN)]
    trials, skipped = [], []
    shipped = protocol_paths()
    for r in rows.itertuples(index=False):
        rid = str(r.row_id)
        m = _ROW_ID.match(rid)
        if m is None or m["option"] not in shipped:
            skipped.append(f"{rid}: not a row of a shipped protocol")
            continue
        nt, sdt, ct = _num(r.n_treated), _num(r.treated_change_sd), _num(r.treated_change_mean)
        pop = parse_stages(str(r.baseline_severity))
        age = _num(r.age_mean)
        if nt is None or nt < 2 or sdt is None or sdt <= 0 or ct is None or not pop or not age:
            skipped.append(f"{rid}: needs n >= 2 with an SD of the changes, stages and age")
            continue
        se = sdt / np.sqrt(nt)
        measure, value, control = "within", ct, "none (within-patient change from baseline)"
        se_note = "SD of the patients' changes / sqrt(n)"
        if str(r.design_type) == "parallel":
            nc, sdc, cc = _num(r.n_control), _num(r.control_change_sd), _num(r.control_change_mean)
            if nc is None or nc < 2 or sdc is None or cc is None:
                skipped.append(f"{rid}: parallel row without comparator changes and SD")
                continue
            measure, value = "MD", ct - cc
            se = float(np.sqrt(sdt**2 / nt + sdc**2 / nc))
            control = "the clinic's untreated patients (registry comparators, not randomised)"
            se_note = "Welch: sqrt(SD_t^2/n_t + SD_c^2/n_c) of the patients' changes"
        if not se > 0:
            skipped.append(f"{rid}: zero standard error")
            continue
        trials.append(
            VirtualTrial(
                rid,
                "protocol",
                measure,
                float(value),
                float(se),
                int(m["month"]) * 365.25 / 12,
                tuple(VirtualPatient(float(age), sex, stage, float(n)) for sex, stage, n in pop),
                control,
                f"OBSERVATIONAL clinic registry row {rid} (anagen registry export; user evidence)",
                protocol=m["option"],
                se_note=se_note,
                notes="OBSERVATIONAL: treatment chosen by clinician and patient, not randomised, "
                "not blinded, measured by the treating clinic; terminal hairs/cm2 in the "
                "tattooed target area",
                group=str(r.study_id),
            )
        )
    return trials, skipped
