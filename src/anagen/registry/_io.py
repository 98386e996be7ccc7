"""CSV import (all-or-nothing per file), exports (CSV, OMOP-CDM-shaped, evidence study rows).

Import: every row is checked (types, ranges, consistency with the patient's other visits)
before anything is written; the first problem is reported as ``FILE row N: 'column' must be ...``
and the file is refused as a whole. A valid file is inserted in one transaction with one audit
entry per row, so an interrupted import leaves either the whole file or nothing.

Patients and visits are checked in bulk and inserted at once (the fast path the benchmark
measures). Treatments (each freezes its prediction) and adverse events go through the same
service functions as ``treatment add`` / ``ae add``, row by row inside the file's one
transaction: the first refused row rolls the whole file back.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from anagen.errors import InputError
from anagen.registry import models as m
from anagen.registry import service as svc
from anagen.registry._audit import append, row_values
from anagen.registry._db import now_iso
from anagen.registry._errors import AccessDenied
from anagen.registry._session import validate_row

__all__ = ["IMPORT_KINDS", "export_csv", "export_evidence", "export_omop", "import_csv"]

IMPORT_KINDS = ("patients", "visits", "treatments", "adverse_events")
_MODELS = {
    "patients": svc.PatientIn,
    "visits": svc.VisitIn,
    "treatments": svc.TreatmentIn,
    "adverse_events": svc.AdverseEventIn,
}
#: model fields that are not CSV columns (a protocol file's text does not fit in a cell)
_NOT_COLUMNS = {"treatments": {"protocol_toml"}}


def _columns(kind: str) -> list[str]:
    return [f for f in _MODELS[kind].model_fields if f not in _NOT_COLUMNS.get(kind, set())]


def _where(e: InputError, file: str, row: int) -> InputError:
    return InputError(e.detail, field=e.field, allowed=e.allowed, got=e.got, row=row, file=file)


def _parse_row(kind: str, raw: dict[str, str], file: str, row: int) -> Any:
    data: dict[str, Any] = {k: v.strip() for k, v in raw.items() if v is not None and v.strip()}
    if kind == "patients":
        if "health" in data:
            h = {}
            for part in data["health"].split(";"):
                if "=" not in part:
                    raise InputError(
                        field="health", allowed="KEY=VALUE;KEY=VALUE", got=part, row=row, file=file
                    )
                k, v = part.split("=", 1)
                h[k.strip()] = {"true": True, "false": False}.get(v.strip().lower(), v.strip())
            data["health"] = h
        if "current_treatments" in data:
            data["current_treatments"] = [t.strip() for t in data["current_treatments"].split(";")]
    if kind == "treatments" and "planned_months" in data:
        try:
            data["planned_months"] = [int(x) for x in data["planned_months"].split(";")]
        except ValueError:
            raise InputError(
                field="planned_months",
                allowed="whole months separated by ';' (e.g. 3;6;12)",
                got=data["planned_months"],
                row=row,
                file=file,
            ) from None
    try:
        return _MODELS[kind].model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        col = ".".join(str(x) for x in err["loc"])
        got = data.get(str(err["loc"][0])) if err["loc"] else None
        raise InputError(
            err["msg"], field=col, row=row, file=file, got=got if err["type"] != "missing" else None
        ) from None


def _read(kind: str, path: Path) -> list[tuple[int, Any]]:
    if kind not in IMPORT_KINDS:
        raise InputError(field="KIND", allowed="one of " + ", ".join(IMPORT_KINDS), got=kind)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    model = _MODELS[kind]
    columns = _columns(kind)
    out = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if len(set(header)) != len(header):
                dup = next(c for c in header if header.count(c) > 1)
                raise InputError(field=dup, allowed="once in the header", file=path.name)
            for col in header:
                if col not in columns:
                    raise InputError(
                        field=col,
                        allowed="a column among " + ", ".join(columns),
                        file=path.name,
                        got="unknown column",
                    )
            missing = [
                f for f in columns if model.model_fields[f].is_required() and f not in header
            ]
            if missing:
                raise InputError(
                    field=missing[0], allowed="a column of the file (required)", file=path.name
                )
            for i, raw in enumerate(reader, start=1):
                if None in raw:
                    raise InputError("more cells than header columns", row=i, file=path.name)
                out.append((i, _parse_row(kind, raw, path.name, i)))
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}): save the file as CSV UTF-8", file=path.name
        ) from None
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file: {exc}", file=path.name) from None
    if not out:
        raise InputError("no data rows", file=path.name)
    return out


def import_csv(session: Session, actor: Any, kind: str, path: str | Path) -> dict[str, Any]:
    """Check every row of ``path`` and insert them all (one transaction), or raise InputError."""
    path = Path(path)
    if actor is not None and not actor.can_write:
        raise AccessDenied(f"role '{actor.role}' is read-only: cannot import")
    rows = _read(kind, path)
    if kind in ("treatments", "adverse_events"):
        return _import_by_service(session, actor, kind, path, rows)
    cid = actor.clinic_id
    now = now_iso()
    objs: list[Any] = []
    if kind == "patients":
        seen = set(session.scalars(select(m.Patient.pseudonym)))
        for i, p in rows:
            try:
                scale = svc._check_patient(p)
                if p.pseudonym in seen:
                    raise InputError(
                        field="patients.pseudonym", allowed="unique in the clinic", got=p.pseudonym
                    )
                seen.add(p.pseudonym)
                obj = m.Patient(
                    clinic_id=cid,
                    **p.model_dump(exclude={"stage_scale"}),
                    stage_scale=scale,
                    created_at=now,
                    version=1,
                )
                validate_row(obj)
            except InputError as e:
                raise _where(e, path.name, i) from None
            objs.append(obj)
    else:
        pats = {p.pseudonym: p for p in session.scalars(select(m.Patient))}
        existing: dict[int, list[Any]] = {}
        for v in session.scalars(select(m.Visit)):
            existing.setdefault(v.patient_id, []).append(
                SimpleNamespace(kind=v.kind, visit_date=v.visit_date)
            )
        order = sorted(rows, key=lambda r: (r[1].patient, r[1].kind != "baseline", r[1].visit_date))
        by_row: dict[int, Any] = {}
        for i, v in order:
            try:
                p = pats.get(v.patient)
                if p is None:
                    raise InputError(
                        field="patient", allowed="a pseudonym of your clinic", got=v.patient
                    )
                lst = existing.setdefault(p.id, [])
                svc.check_visit(v, p, sorted(lst, key=lambda x: x.visit_date))
                lst.append(SimpleNamespace(kind=v.kind, visit_date=v.visit_date))
                obj = m.Visit(
                    clinic_id=cid,
                    patient_id=p.id,
                    **v.model_dump(exclude={"patient"}),
                    created_at=now,
                    version=1,
                )
                validate_row(obj)
            except InputError as e:
                raise _where(e, path.name, i) from None
            by_row[i] = obj
        objs = [by_row[i] for i, _ in rows]
    cls = type(objs[0])
    cols = [c.key for c in cls.__table__.columns if c.key != "id"]
    dicts = [{c: getattr(o, c) for c in cols} for o in objs]
    ids = (
        session.execute(insert(cls).returning(cls.id, sort_by_parameter_order=True), dicts)
        .scalars()
        .all()
    )
    table = cls.__tablename__
    records = []
    for o, new_id in zip(objs, ids, strict=True):
        o.id = new_id
        records.append(("insert", (table, new_id, cid), None, row_values(o)))
    append(session, actor, records, reason=f"import {path.name}")
    return {"file": path.name, "kind": kind, "rows": len(objs)}


def _import_by_service(
    session: Session, actor: Any, kind: str, path: Path, rows: list[tuple[int, Any]]
) -> dict[str, Any]:
    """Treatments or adverse events, one service call per row in the file's one transaction."""
    from anagen.registry._errors import NotFound

    add = svc.add_treatment if kind == "treatments" else svc.add_adverse_event
    ids = []
    for i, obj in rows:
        try:
            ids.append(add(session, actor, obj).id)
        except InputError as e:
            raise _where(e, path.name, i) from None
        except NotFound as e:
            field = "patient" if "patient" in str(e) else "treatment_id"
            raise InputError(
                str(e), field=field, allowed="one of your clinic's", row=i, file=path.name
            ) from None
    return {"file": path.name, "kind": kind, "rows": len(ids)}


# --------------------------------------------------------------------------- exports


def _atomic_dir(target: Path) -> Path:
    if target.exists():
        raise InputError("output folder already exists (choose a new one)", file=str(target))
    if not target.resolve().parent.is_dir():
        raise InputError("parent folder does not exist", file=str(target.parent))
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.resolve().parent))


def _finish(tmp: Path, target: Path) -> Path:
    os.replace(tmp, target)
    return target


def _plain(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict | list):
        return json.dumps(v, sort_keys=True)
    return v


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if x is None else _plain(x) for x in r])


_TABLES = (m.Patient, m.Visit, m.Treatment, m.TreatmentSession, m.AdverseEvent, m.Prediction)


def export_csv(session: Session, actor: Any, target: str | Path) -> dict[str, int]:
    """One CSV per table of the actor's clinic into the new folder ``target``."""
    target = Path(target)
    tmp = _atomic_dir(target)
    counts = {}
    try:
        for cls in _TABLES:
            cols = [c.key for c in cls.__table__.columns]
            rows = [
                [getattr(o, c) for c in cols] for o in session.scalars(select(cls).order_by(cls.id))
            ]
            _write(tmp / f"{cls.__tablename__}.csv", cols, rows)
            counts[cls.__tablename__] = len(rows)
        _synthetic_note(session, actor, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _finish(tmp, target)
    return counts


def _synthetic_note(session: Session, actor: Any, folder: Path) -> None:
    c = session.get(m.Clinic, actor.clinic_id)
    if c is not None and c.synthetic:
        (folder / "SYNTHETIC-README.txt").write_text(
            "SYNTHETIC DATA: every row was generated by anagen's model (registry demo). "
            "Not real patients; not evidence.\n",
            encoding="utf-8",
        )


#: OMOP CDM standard concepts used (Gender: 8507 MALE, 8532 FEMALE; Visit: 9202 Outpatient
#: Visit). Measurements and procedures have no standard concept here: concept_id 0 with the
#: source value, as the CDM prescribes for unmapped source codes.
_GENDER = {"M": 8507, "F": 8532}
_OUTPATIENT = 9202
_MEASURES = (
    ("total_density_per_cm2", "hairs/cm2", "phototrichogram total hair density"),
    ("terminal_density_per_cm2", "hairs/cm2", "phototrichogram terminal hair density"),
    ("vellus_density_per_cm2", "hairs/cm2", "phototrichogram vellus hair density"),
    ("shaft_diameter_um", "um", "mean hair shaft diameter"),
    ("anagen_percent", "%", "anagen hairs"),
    ("global_photo_score", "points", "global photographic assessment (-3..+3)"),
    ("satisfaction_score", "points", "patient satisfaction"),
)


def export_omop(session: Session, actor: Any, target: str | Path) -> dict[str, int]:
    """OMOP-CDM-shaped person, visit_occurrence, measurement, procedure_occurrence CSVs."""
    target = Path(target)
    tmp = _atomic_dir(target)
    try:
        pats = session.scalars(select(m.Patient).order_by(m.Patient.id)).all()
        _write(
            tmp / "person.csv",
            [
                "person_id",
                "gender_concept_id",
                "year_of_birth",
                "race_concept_id",
                "ethnicity_concept_id",
                "person_source_value",
                "gender_source_value",
            ],
            [[p.id, _GENDER[p.sex], p.birth_year, 0, 0, p.pseudonym, p.sex] for p in pats],
        )
        visits = session.scalars(select(m.Visit).order_by(m.Visit.id)).all()
        _write(
            tmp / "visit_occurrence.csv",
            [
                "visit_occurrence_id",
                "person_id",
                "visit_concept_id",
                "visit_start_date",
                "visit_end_date",
                "visit_type_concept_id",
                "visit_source_value",
            ],
            [
                [v.id, v.patient_id, _OUTPATIENT, v.visit_date, v.visit_date, 32817, v.kind]
                for v in visits
            ],
        )
        meas, k = [], 0
        for v in visits:
            for col, unit, label in _MEASURES:
                val = getattr(v, col)
                if val is None:
                    continue
                k += 1
                src = f"{label} ({v.target_area})"
                if col == "satisfaction_score":
                    src = f"{label} ({v.satisfaction_instrument})"
                meas.append([k, v.patient_id, 0, v.visit_date, 32817, float(val), unit, src, v.id])
        _write(
            tmp / "measurement.csv",
            [
                "measurement_id",
                "person_id",
                "measurement_concept_id",
                "measurement_date",
                "measurement_type_concept_id",
                "value_as_number",
                "unit_source_value",
                "measurement_source_value",
                "visit_occurrence_id",
            ],
            meas,
        )
        procs, k = [], 0
        trs = {t.id: t for t in session.scalars(select(m.Treatment))}
        for t in trs.values():
            k += 1
            procs.append(
                [
                    k,
                    t.patient_id,
                    0,
                    t.start_date,
                    32817,
                    1,
                    f"{t.option} (course start)",
                    t.product_lot,
                ]
            )
        for s_ in session.scalars(select(m.TreatmentSession).order_by(m.TreatmentSession.id)):
            k += 1
            t = trs[s_.treatment_id]
            procs.append(
                [
                    k,
                    t.patient_id,
                    0,
                    s_.session_date,
                    32817,
                    1,
                    f"{t.option} (session)",
                    s_.product_lot,
                ]
            )
        _write(
            tmp / "procedure_occurrence.csv",
            [
                "procedure_occurrence_id",
                "person_id",
                "procedure_concept_id",
                "procedure_date",
                "procedure_type_concept_id",
                "quantity",
                "procedure_source_value",
                "modifier_source_value",
            ],
            procs,
        )
        _synthetic_note(session, actor, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _finish(tmp, target)
    return {
        "person": len(pats),
        "visit_occurrence": len(visits),
        "measurement": len(meas),
        "procedure_occurrence": len(procs),
    }


_PRODUCT_GROUP = {
    "hf_micrografts": "HFSC-micrograft",
    "svf": "SVF",
    "adipose_cells": "ADSC",
    "bone_marrow_cells": "bone-marrow",
    "cell_free": "ADSC-CM",
}


def _product_group(option: str, snapshot: str | None) -> tuple[str, str] | None:
    from anagen.therapy import load_protocol, protocol_paths

    paths = protocol_paths()
    if option not in paths:
        return None
    p = load_protocol(paths[option])
    grp = _PRODUCT_GROUP.get(p.product.key)
    return None if grp is None else (grp, p.name)


def _studies_header() -> list[str]:
    from importlib.resources import files

    text = files("anagen.evidence").joinpath("data/studies.csv").read_text(encoding="utf-8")
    return next(csv.reader([text.splitlines()[0]]))


def _stats(x: list[float]) -> tuple[float, float | None]:
    import statistics

    return statistics.fmean(x), (statistics.stdev(x) if len(x) >= 2 else None)


def export_evidence(session: Session, actor: Any, path: str | Path) -> dict[str, Any]:
    """The clinic's outcomes as study rows in the ``studies.csv`` schema (``SCHEMA.md``),
    marked OBSERVATIONAL: one row per cell protocol and planned month with at least two
    patients who consented to evidence sharing (only they are counted; not patients using
    other treatments, whose outcome is not the option's alone); ``single-arm`` unless the
    clinic has at least two untreated comparators (option ``none``) at that month (then
    ``parallel`` vs ``untreated``)."""
    from anagen.registry._calibration_source import OBSERVATIONAL_DESIGN, stages_text
    from anagen.registry._outcomes import WINDOW_DAYS

    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise InputError(field="--to", allowed="a file ending in .csv", got=path.name)
    clinic = session.get(m.Clinic, actor.clinic_id)
    if clinic is None or clinic.synthetic:
        raise InputError("a SYNTHETIC clinic's data is never exported as evidence")
    consent = {p.id: p for p in session.scalars(select(m.Patient)) if p.consent_evidence_sharing}
    visits: dict[int, list[Any]] = {}
    for v in session.scalars(select(m.Visit).order_by(m.Visit.visit_date)):
        if v.patient_id in consent and v.terminal_density_per_cm2 is not None:
            visits.setdefault(v.patient_id, []).append(v)
    groups: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    using: dict[str, int] = {}
    for t in session.scalars(select(m.Treatment)):
        if t.patient_id in consent and consent[t.patient_id].current_treatments:
            # observed with what they use now: not the option's (nor untreated) outcome
            using[t.option] = using.get(t.option, 0) + 1
            continue
        vs = visits.get(t.patient_id, [])
        base = next((v for v in vs if v.kind == "baseline"), None)
        if base is None:
            continue
        for mth in t.planned_months or []:
            target = t.start_date.toordinal() + mth * 365.25 / 12
            fu = min(
                (v for v in vs if v.kind == "follow-up"),
                key=lambda v: abs(v.visit_date.toordinal() - target),
                default=None,
            )
            if fu is None or abs(fu.visit_date.toordinal() - target) > WINDOW_DAYS:
                continue
            groups.setdefault((t.option, mth), []).append(
                (
                    base.terminal_density_per_cm2,
                    fu.terminal_density_per_cm2,
                    consent[t.patient_id],
                    t.start_date.year - consent[t.patient_id].birth_year,
                )
            )
    header = _studies_header()
    today = dt.datetime.now(dt.UTC).date()
    rows, skipped, too_few = [], [], []
    for (option, mth), obs in sorted(groups.items()):
        if option == "none":
            continue
        pg = _product_group(option, None)
        if pg is None:
            skipped.append(option)
            continue
        if len(obs) < 2:  # no SD of the changes: no usable effect size (and n >= 2 in studies)
            too_few.append(f"{option} month {mth}: {len(obs)} consented patient")
            continue
        b, f = [o[0] for o in obs], [o[1] for o in obs]
        ch = [y - x for x, y in obs_pairs(obs)]
        comp = groups.get(("none", mth), [])
        r = dict.fromkeys(header, "")
        tb, tbs = _stats(b)
        tf, tfs = _stats(f)
        tc, tcs = _stats(ch)
        r.update(
            {
                "row_id": f"REG-{clinic.code}-{option}-{mth}m",
                "study_id": f"Registry{clinic.code.replace('-', '')}{today.year}",
                "year": today.year,
                "doi_or_pmid": "none: unpublished clinic registry export (anagen registry)",
                "design": f"{OBSERVATIONAL_DESIGN} ({clinic.name}); not randomised",
                "product": pg[1],
                "sex": f"{sum(o[2].sex == 'M' for o in obs)} M / {sum(o[2].sex == 'F' for o in obs)} F",
                "n_treated": len(obs),
                "age_mean": round(sum(o[3] for o in obs) / len(obs), 1),
                # machine-readable (anagen.registry._calibration_source reads it back)
                "baseline_severity": stages_text(
                    [(o[2].sex, o[2].stage_scale, o[2].stage) for o in obs]
                ),
                "followup_weeks": f"{mth * 365.25 / 12 / 7:.1f}",
                "outcome": "density_hairs_per_cm2",
                "treated_baseline_mean": tb,
                "treated_baseline_sd": tbs,
                "treated_followup_mean": tf,
                "treated_followup_sd": tfs,
                "treated_change_mean": tc,
                "treated_change_sd": tcs,
                "where_in_source": f"anagen registry export {today.isoformat()}, clinic "
                f"{clinic.code}; terminal hairs/cm2 in the target area, visit "
                f"within {WINDOW_DAYS} days of month {mth}",
                "notes": "OBSERVATIONAL registry data, exported by anagen; patients who consented "
                "to evidence sharing only",
                "product_group": pg[0],
                "outcome_scale": "hairs_per_cm2",
                "outcome_domain": "density",
                "followup_weeks_min": round(mth * 365.25 / 12 / 7, 1),
                "followup_weeks_max": round(mth * 365.25 / 12 / 7, 1),
                "risk_of_bias_notes": "OBSERVATIONAL: treatment chosen by clinician and patient, "
                "not randomised, not blinded; measured by the clinic that "
                "treated; confounding and selection likely",
                "verification": f"exported by anagen registry on {today.isoformat()} from "
                f"{len(obs)} consented patients; not independently verified",
            }
        )
        if len(comp) >= 2:
            cb, cbs = _stats([o[0] for o in comp])
            cf, cfs = _stats([o[1] for o in comp])
            cc, ccs = _stats([y - x for x, y in obs_pairs(comp)])
            r.update(
                {
                    "design_type": "parallel",
                    "control_type": "untreated",
                    "control": "the clinic's untreated patients (registry comparators)",
                    "n_control": len(comp),
                    "control_baseline_mean": cb,
                    "control_baseline_sd": cbs,
                    "control_followup_mean": cf,
                    "control_followup_sd": cfs,
                    "control_change_mean": cc,
                    "control_change_sd": ccs,
                    "direction_basis": "control",
                }
            )
        else:
            r.update(
                {"design_type": "single-arm", "control_type": "none", "direction_basis": "baseline"}
            )
        rows.append(r)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow(
                {
                    k: ("" if v is None else (f"{v:.4g}" if isinstance(v, float) else v))
                    for k, v in r.items()
                }
            )
    os.replace(tmp, path)
    return {
        "file": str(path),
        "rows": len(rows),
        "skipped_options": sorted(set(skipped)),
        "skipped_fewer_than_2_patients": too_few,
        "skipped_using_other_treatments": [
            f"{o}: {n} treatment(s) of patients using other treatments"
            for o, n in sorted(using.items())
        ],
    }


def obs_pairs(obs: list[tuple[Any, ...]]) -> list[tuple[float, float]]:
    return [(o[0], o[1]) for o in obs]
