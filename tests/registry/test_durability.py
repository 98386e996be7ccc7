"""Durability and concurrency, for real: SIGKILLed importers and 20 concurrent writers.

* An importing process (the real ``import_csv`` in a subprocess, one transaction per file) is
  killed with SIGKILL at random moments, 20 times per database (every other kill first waits for
  the importer's first commit, so that kills land mid-import on a loaded machine too). After every kill (and, on
  PostgreSQL, once the killed client's server backend has ended: a COMMIT the server already
  received still lands after the client dies): each file is
  either entirely present or entirely absent (no partial file, no half-written row), every file
  the process reported as committed is present, and the audit chain verifies.
* 20 writers (threads, each with its own connection) record sessions on the same two
  treatments, reading the version in one transaction and writing in another (as a web form
  does); a stale write is refused (Conflict) and retried. No update is lost: the counter equals
  the number of session rows equals the number of successful writes.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text

from anagen.registry import Conflict
from anagen.registry import models as m
from anagen.registry import service as svc
from tests.registry._helpers import baseline_in, patient_in, seed

N_PATIENTS = 60
N_FILES = 200
KILLS = 20
D0 = dt.date(2024, 3, 1)

_IMPORTER = """
import os, sys
from anagen.registry import Registry, actor_from_token
from anagen.registry._io import import_csv
url = os.environ["REG_URL"]
if url.startswith("postgresql"):
    url += "?application_name=" + os.environ["REG_APP_NAME"]
reg = Registry(url)
actor = actor_from_token(reg, os.environ["REG_TOKEN"])
print("ready", flush=True)
for f in sys.argv[1:]:
    with reg.session(actor) as s:
        import_csv(s, actor, "visits", f)
    print("committed", f, flush=True)
"""


def _files(tmp: Path) -> list[Path]:
    out = []
    for i in range(N_FILES):
        day = (D0 + dt.timedelta(days=i)).isoformat()
        lines = ["patient,visit_date,kind,target_area,terminal_density_per_cm2"]
        lines += [
            f"K{j:03d},{day},follow-up,vertex,{100 + (i + j) % 17}" for j in range(N_PATIENTS)
        ]
        f = tmp / f"visits_{i:03d}.csv"
        f.write_text("\n".join(lines) + "\n")
        out.append(f)
    return out


def _wait_backend_gone(reg, app_name: str, timeout: float = 30.0) -> None:
    """Wait until no server backend serves the killed client (PostgreSQL only)."""
    if reg.engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with reg.engine.connect() as c:
        while time.monotonic() < deadline:
            n = c.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a"),
                {"a": app_name},
            )
            c.rollback()
            if n == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend of {app_name} still alive after {timeout} s")


def _present(reg, actor) -> dict[dt.date, int]:
    with reg.session(actor) as s:
        return dict(
            s.execute(
                select(m.Visit.visit_date, func.count())
                .where(m.Visit.kind == "follow-up")
                .group_by(m.Visit.visit_date)
            ).all()
        )


@pytest.mark.slow
def test_sigkill_during_import(registry_db, tmp_path):
    reg = registry_db.app()
    carl = registry_db.login("carl")
    with reg.session(carl) as s:
        for j in range(N_PATIENTS):
            svc.add_patient(s, carl, patient_in(f"K{j:03d}"))
            svc.add_visit(s, carl, baseline_in(f"K{j:03d}"))
    files = _files(tmp_path)
    remaining = list(range(N_FILES))
    rng = np.random.default_rng(np.random.SeedSequence(2026))
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "REG_URL": registry_db.app_url,
        "REG_TOKEN": carl.token,
    }
    kills = mid_import = 0
    ready_delay: list[float] = []
    while kills < KILLS and remaining:
        app_name = f"anagen-importer-{kills}"
        proc = subprocess.Popen(
            [sys.executable, "-c", _IMPORTER, *[str(files[i]) for i in remaining]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, "REG_APP_NAME": app_name},
        )
        t0 = time.monotonic()
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        ready_delay.append(time.monotonic() - t0)
        early: list[str] = []
        if kills % 2:  # every other kill waits for a first commit, so kills land mid-import
            early.append(proc.stdout.readline())  # however slow a loaded machine makes it
        time.sleep(float(rng.uniform(0.0, 0.6)))  # random point of the import
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err
        _wait_backend_gone(reg, app_name)
        kills += 1
        reported = {
            Path(ln.split()[1]).name
            for ln in [*early, *out.splitlines()]
            if ln.startswith("committed")
        }
        present = _present(reg, carl)
        # every file entirely present or entirely absent
        assert all(n == N_PATIENTS for n in present.values()), present
        names = {f"visits_{(d - D0).days:03d}.csv" for d in present}
        assert reported <= names  # all reported commits survived
        done = [i for i in remaining if (D0 + dt.timedelta(days=i)) in present]
        if len(done) and len(done) < len(remaining):
            mid_import += 1
        remaining = [i for i in remaining if i not in done]
        with reg.session(carl) as s:
            r = svc.verify_audit(s, carl)[0]
            assert r.ok, r.problems
    assert kills == KILLS
    assert mid_import >= KILLS // 4  # the kills really landed during imports
    with reg.session(carl) as s:
        n_visits = s.scalar(select(func.count()).select_from(m.Visit))
        n_audit_visits = s.scalar(
            select(func.count())
            .select_from(m.AuditEntry)
            .where(m.AuditEntry.table_name == "visits")
        )
    assert n_visits == n_audit_visits == N_PATIENTS * (1 + N_FILES - len(remaining))
    print(
        f"\n{registry_db.kind}: {kills} SIGKILLs survived ({mid_import} after some files "
        f"committed), {N_FILES - len(remaining)} of {N_FILES} files imported"
    )


WRITERS = 20
WRITES_EACH = 4


def test_concurrent_writers_no_lost_update(registry_db):
    reg0 = registry_db.app()
    carl = registry_db.login("carl")
    tids = [seed(reg0, carl, f"C{k}")["treatment"] for k in range(2)]
    conflicts = [0]
    ok = [0]
    lock = threading.Lock()
    errors: list[BaseException] = []
    barrier = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        from anagen.registry import Registry

        reg = Registry(registry_db.app_url)
        rng = np.random.default_rng(np.random.SeedSequence([7, w]))
        try:
            barrier.wait()
            done = 0
            while done < WRITES_EACH:
                tid = tids[(w + done) % 2]
                with reg.session(carl) as s:  # read (the form)
                    v = svc.get_treatment(s, carl, tid).version
                time.sleep(float(rng.uniform(0, 0.02)))
                try:
                    with reg.session(carl) as s:  # write based on that read
                        svc.add_session(
                            s,
                            carl,
                            tid,
                            svc.SessionIn(session_date=dt.date(2024, 2, 1)),
                            expected_version=v,
                        )
                    done += 1
                    with lock:
                        ok[0] += 1
                except Conflict:
                    with lock:
                        conflicts[0] += 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            reg.dispose()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors[:3]
    assert ok[0] == WRITERS * WRITES_EACH
    with reg0.session(carl) as s:
        given = sum(svc.get_treatment(s, carl, t).sessions_given for t in tids)
        rows = s.scalar(select(func.count()).select_from(m.TreatmentSession))
        assert given == rows == WRITERS * WRITES_EACH  # no lost update
        for t in tids:
            assert svc.get_treatment(s, carl, t).version == 1 + (
                svc.get_treatment(s, carl, t).sessions_given
            )
        assert svc.verify_audit(s, carl)[0].ok
    assert conflicts[0] > 0  # optimistic locking was exercised, not just serialised writes
    print(
        f"\n{registry_db.kind}: {WRITERS} writers, {ok[0]} writes, {conflicts[0]} stale "
        "writes refused and retried, 0 lost"
    )
