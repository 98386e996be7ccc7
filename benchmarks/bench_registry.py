"""Benchmark: registry import of 100,000 visits and the clinic report at 10,000 patients,
on SQLite (WAL, synchronous=FULL) and on PostgreSQL (a throwaway local server).

Run: ``python benchmarks/bench_registry.py`` (or ``python benchmarks/run.py registry``);
options ``--patients 10000 --follow-ups 9 --baseline-rows 1000 --db sqlite,postgresql``.

* **Import**: ``anagen.registry._io.import_csv`` (every row checked, bulk insert with one
  audit entry per row, one transaction) of ``patients × (1 + follow-ups)`` visits, against the
  naive way measured in the same run: one ORM ``add_visit`` per row (same checks, per-row
  queries and flushes), timed on ``--baseline-rows`` rows and compared per row.
* **Report**: :func:`anagen.registry._outcomes.clinic_outcomes` + the HTML report for the whole
  clinic (every patient with a treatment and 3 frozen predictions), against a naive
  per-patient loop of ORM queries (visits, treatments, predictions of one patient at a time)
  timed on ``--baseline-rows`` patients and compared per patient.

Frozen predictions of the benchmark clinic are taken from real ``assess_patient`` runs for 4
patient profiles (the registry stores them per patient exactly as ``treatment add`` does);
observations are the prediction's median plus a deterministic offset. Wall times are printed
with ``os.getloadavg()``: other jobs on the machine slow both sides of each ratio alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests._postgres (the throwaway PostgreSQL server)

D0 = dt.date(2022, 1, 3)
#: planned visits of the benchmark treatments: inside the 48-week minoxidil trials, so every
#: frozen prediction has numbers (past the trials' follow-up it would say "unknown")
MONTHS = (3, 6, 11)


def _write_csvs(folder: Path, n: int, fups: int) -> tuple[Path, Path]:
    p = folder / "patients.csv"
    with p.open("w") as fh:
        fh.write(
            "pseudonym,birth_year,sex,stage,onset_year,consent_version,consent_date,"
            "consent_evidence_sharing\n"
        )
        for i in range(n):
            sex, stage = ("M", ("III", "IV", "V")[i % 3]) if i % 4 else ("F", "II")
            fh.write(f"B{i:06d},{1960 + i % 30},{sex},{stage},{2005 + i % 10},v1,2021-12-01,true\n")
    v = folder / "visits.csv"
    with v.open("w") as fh:
        fh.write("patient,visit_date,kind,target_area,terminal_density_per_cm2\n")
        for i in range(n):
            fh.write(f"B{i:06d},{D0.isoformat()},baseline,vertex,{100 + i % 50}\n")
        for k in range(1, fups + 1):
            day = (D0 + dt.timedelta(days=round(k * 365.25 / 12 * (24 / fups)))).isoformat()
            for i in range(n):
                fh.write(f"B{i:06d},{day},follow-up,vertex,{100 + (i + k) % 50}\n")
    return p, v


def _registry(kind: str, tmp: Path, server):
    from anagen.registry import Registry, init_registry, login
    from anagen.registry import service as svc

    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        app_url = url
    else:
        from tests._postgres import create_database

        url = create_database(server, f"bench_{os.getpid()}_{int(time.time())}")
        app_url = None
    pw = "benchmark-password-123"
    init_registry(
        url, clinic="bench", clinic_name="Benchmark clinic", admin="admin", admin_password=pw
    )
    reg = Registry(url)
    if kind != "sqlite":
        from anagen.registry import create_app_login

        create_app_login(reg, "bench_app", "bench-app-password")
        app_url = server.url("bench_app", "bench-app-password", url.rsplit("/", 1)[1])
    reg.dispose()
    reg = Registry(app_url)
    admin = login(reg, "bench", "admin", pw)
    with reg.session(admin) as s:
        svc.add_user(s, admin, "clin", pw, "clinician")
    return reg, login(reg, "bench", "clin", pw)


def _predictions(n_draws: int) -> list[list[dict]]:
    from anagen.registry._prediction import PredictionSettings, predict
    from anagen.therapy import Patient

    out = []
    s = PredictionSettings(n_draws, 2000, 2, 0)
    for sex, stage, age in (("M", "III", 40), ("M", "IV", 50), ("M", "V", 55), ("F", "II", 45)):
        mp = Patient.model_validate(
            {"patient": {"age": age, "sex": sex, "stage": stage, "years_since_onset": 8}}
        )
        out.append(predict(mp, "minoxidil_5", None, MONTHS, s, "vertex"))
    return out


def _add_treatments(reg, actor, n: int, preds: list[list[dict]]) -> None:
    """Treatments + frozen predictions for every patient, bulk (with their audit entries)."""
    from sqlalchemy import insert, select

    from anagen.registry import models as m
    from anagen.registry._audit import append, row_values
    from anagen.registry._db import now_iso

    now = now_iso()
    with reg.session(actor) as s:
        ids = dict(s.execute(select(m.Patient.pseudonym, m.Patient.id)).all())
        trs = [
            m.Treatment(
                clinic_id=actor.clinic_id,
                patient_id=ids[f"B{i:06d}"],
                option="minoxidil_5",
                start_date=D0 + dt.timedelta(days=2),
                sessions_planned=0,
                sessions_given=0,
                planned_months=list(MONTHS),
                created_at=now,
                version=1,
            )
            for i in range(n)
        ]
        cols = [c.key for c in m.Treatment.__table__.columns if c.key != "id"]
        tids = (
            s.execute(
                insert(m.Treatment).returning(m.Treatment.id, sort_by_parameter_order=True),
                [{c: getattr(t, c) for c in cols} for t in trs],
            )
            .scalars()
            .all()
        )
        recs = []
        prs = []
        for i, (t, tid) in enumerate(zip(trs, tids, strict=True)):
            t.id = tid
            recs.append(("insert", ("treatments", tid, actor.clinic_id), None, row_values(t)))
            for r in preds[i % len(preds)]:
                prs.append(
                    m.Prediction(clinic_id=actor.clinic_id, treatment_id=tid, created_at=now, **r)
                )
        pcols = [c.key for c in m.Prediction.__table__.columns if c.key != "id"]
        pids = (
            s.execute(
                insert(m.Prediction).returning(m.Prediction.id, sort_by_parameter_order=True),
                [{c: getattr(p, c) for c in pcols} for p in prs],
            )
            .scalars()
            .all()
        )
        for p, pid in zip(prs, pids, strict=True):
            p.id = pid
            recs.append(("insert", ("predictions", pid, actor.clinic_id), None, row_values(p)))
        append(s, actor, recs, reason="benchmark setup")


def _naive_visits(reg, actor, folder: Path, rows: int) -> float:
    """Baseline: one add_visit (ORM, per-row checks and flush) per row, for ``rows`` rows."""
    from anagen.registry import service as svc

    pats = [f"N{i:06d}" for i in range(rows)]
    with reg.session(actor) as s:
        for p in pats:
            svc.add_patient(
                s,
                actor,
                svc.PatientIn(
                    pseudonym=p,
                    birth_year=1970,
                    sex="M",
                    stage="III",
                    onset_year=2010,
                    consent_version="v1",
                    consent_date=dt.date(2021, 12, 1),
                ),
            )
    t0 = time.perf_counter()
    with reg.session(actor) as s:
        for p in pats:
            svc.add_visit(
                s,
                actor,
                svc.VisitIn(
                    patient=p,
                    visit_date=D0,
                    kind="baseline",
                    target_area="vertex",
                    terminal_density_per_cm2=100.0,
                ),
            )
    return time.perf_counter() - t0


def _naive_report(reg, actor, n: int) -> float:
    """Baseline: the observed-vs-predicted pairs patient by patient (3 ORM queries each)."""
    from sqlalchemy import select

    from anagen.registry import models as m

    t0 = time.perf_counter()
    pairs = 0
    with reg.session(actor) as s:
        for i in range(n):
            p = s.scalar(select(m.Patient).where(m.Patient.pseudonym == f"B{i:06d}"))
            vs = s.scalars(
                select(m.Visit).where(m.Visit.patient_id == p.id).order_by(m.Visit.visit_date)
            ).all()
            base = next(v for v in vs if v.kind == "baseline")
            for t in s.scalars(select(m.Treatment).where(m.Treatment.patient_id == p.id)):
                for pr in s.scalars(select(m.Prediction).where(m.Prediction.treatment_id == t.id)):
                    target = t.start_date.toordinal() + pr.month * 365.25 / 12
                    fu = min(
                        (v for v in vs if v.kind == "follow-up"),
                        key=lambda v, tg=target: abs(v.visit_date.toordinal() - tg),
                    )
                    if abs(fu.visit_date.toordinal() - target) <= 45:
                        pairs += int(
                            fu.terminal_density_per_cm2 - base.terminal_density_per_cm2 is not None
                        )
    return time.perf_counter() - t0


def run(kind: str, n: int, fups: int, base_rows: int, preds, server) -> dict:
    from anagen.registry._io import import_csv
    from anagen.registry._outcomes import clinic_outcomes
    from anagen.registry._report import write_report

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        reg, actor = _registry(kind, tmp, server)
        pcsv, vcsv = _write_csvs(tmp, n, fups)
        with reg.session(actor) as s:
            import_csv(s, actor, "patients", pcsv)
        t0 = time.perf_counter()
        with reg.session(actor) as s:
            res = import_csv(s, actor, "visits", vcsv)
        t_import = time.perf_counter() - t0
        t_naive = _naive_visits(reg, actor, tmp, base_rows)
        _add_treatments(reg, actor, n, preds)
        t0 = time.perf_counter()
        with reg.session(actor) as s:
            o = clinic_outcomes(s, actor)
        write_report(o, tmp / "report.html")
        t_report = time.perf_counter() - t0
        t_naive_rep = _naive_report(reg, actor, base_rows)
        reg.dispose()
    rows = res["rows"]
    return {
        "kind": kind,
        "visits": rows,
        "t_import": t_import,
        "import_rows_s": rows / t_import,
        "naive_rows_s": base_rows / t_naive,
        "patients": n,
        "pairs": len(o.pairs),
        "t_report": t_report,
        "naive_report_s": t_naive_rep * n / base_rows,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--follow-ups", type=int, default=9)
    ap.add_argument("--baseline-rows", type=int, default=1000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--draws", type=int, default=10)
    a, _ = ap.parse_known_args(argv)  # run.py passes its own arguments through
    kinds = a.db.split(",")
    print(f"load average before: {os.getloadavg()} (2 cores shared with other jobs)")
    preds = _predictions(a.draws)
    server = None
    if "postgresql" in kinds:
        from tests._postgres import start_postgres

        server = start_postgres()
    try:
        for kind in kinds:
            r = run(kind, a.patients, a.follow_ups, a.baseline_rows, preds, server)
            print(
                f"\n[{kind}] import of {r['visits']:,} visits (checked, audited, one "
                f"transaction): {r['t_import']:.1f} s = {r['import_rows_s']:,.0f} rows/s; "
                f"naive ORM row by row: {r['naive_rows_s']:,.0f} rows/s -> "
                f"ratio {r['import_rows_s'] / r['naive_rows_s']:.1f}x"
            )
            print(
                f"[{kind}] clinic report at {r['patients']:,} patients ({r['pairs']:,} "
                f"observed-vs-predicted pairs, HTML with plots): {r['t_report']:.1f} s; "
                f"naive per-patient queries (extrapolated from {a.baseline_rows}): "
                f"{r['naive_report_s']:.1f} s -> ratio {r['naive_report_s'] / r['t_report']:.1f}x"
            )
            print(f"load average: {os.getloadavg()}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
