"""Fuzz the readers of user CSV rows (issue 12, item 4): ``anagen evidence add``, ``anagen
registry import`` and the web app's "pool your own CSV" upload.

Each case mutates a valid example with :func:`tests.fuzz.mutate.mutated_csv` (a cell replaced by
a wrong type or an extreme number, a ragged row, a BOM, a bad byte, an empty or a huge file).
Every run must end with exit 0 or 2 / HTTP 200, 413 or 422 — never a traceback or a 500 —
within a time limit, and a refused file must leave nothing written. The examples are
derandomized (the same cases in every run); reproducers are in ``tests/fuzz/corpus/upload_*``.
"""

from __future__ import annotations

import csv
import io
import tempfile
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import PASSWORD
from tests.fuzz.conftest import CORPUS, run_cli, time_limit
from tests.fuzz.mutate import mutated_csv
from tests.registry.test_import_more import AES, TREATMENTS
from tests.registry.test_io import PATIENTS, VISITS

_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
}
EFFECTS = "study,yi,vi,group\nA,0.1,0.01,x\nB,0.3,0.02,x\nC,0.35,0.015,y\nD,0.6,0.03,y\n"
ARMS = "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,10,3,20,8,3,20\nB,12,4,30,9,4,28\nC,11,2,15,10,3,15\n"
UPLOADS = sorted(CORPUS.glob("upload_*.csv"))


def _study_rows() -> str:
    """Two new study rows in the bundled schema (the shape of Shin 2015), as CSV text."""
    text = resources.files("anagen.evidence").joinpath("data/studies.csv").read_text("utf-8")
    base = next(r for r in csv.DictReader(io.StringIO(text)) if r["row_id"] == "S10")
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(base), lineterminator="\n")
    w.writeheader()
    for i in (1, 2):
        w.writerow(
            base
            | {
                "row_id": f"U0{i}",
                "study_id": f"Fuzz202{i}",
                "year": "2026",
                "verification": "2026-12-02 fuzz row",
            }
        )
    return out.getvalue()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- anagen evidence add ---------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=40, **_SETTINGS)
@given(data=mutated_csv(_study_rows()))
def test_fuzz_evidence_add(data, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        monkeypatch.setenv("ANAGEN_EVIDENCE_DIR", str(store))
        src = Path(tmp) / "rows.csv"
        src.write_bytes(data)
        code = run_cli(["evidence", "add", str(src)], seconds=20)
        assert code in (0, 2), data[:300]
        if code == 2:
            assert _files(store) == [], data[:300]  # nothing half-written


# -- anagen registry import ------------------------------------------------------------------


@pytest.fixture
def registry_cli(registry_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ANAGEN_REGISTRY_SESSION", str(tmp_path / "session.json"))
    monkeypatch.setenv("ANAGEN_DATABASE_URL", registry_db.app_url)
    monkeypatch.delenv("ANAGEN_REGISTRY_TOKEN", raising=False)
    monkeypatch.setenv("ANAGEN_REGISTRY_PASSWORD", PASSWORD)
    assert run_cli(["registry", "login", "--clinic", "north", "--user", "carl"]) == 0
    return registry_db


def _row_count(registry_db) -> int:
    from sqlalchemy import func, select

    from anagen.registry import models as m

    reg, carl = registry_db.app(), registry_db.login("carl")
    with reg.session(carl) as s:
        return sum(
            s.scalar(select(func.count()).select_from(cls))
            for cls in (m.Patient, m.Visit, m.Treatment, m.Prediction, m.AdverseEvent, m.AuditEntry)
        )


_KINDS = {"patients": PATIENTS, "visits": VISITS, "treatments": TREATMENTS, "adverse_events": AES}


@pytest.mark.slow
@pytest.mark.parametrize("registry_db", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("kind", list(_KINDS))
def test_fuzz_registry_import(registry_cli, kind, capsys, tmp_path):
    """The clinic's patients and visits first (so that valid files of the other kinds find
    their patients), then mutated files of one kind: exit 0 or exit 2 with one line and nothing
    written (rows, frozen predictions, audit entries), never a traceback."""
    base = tmp_path / "files"
    base.mkdir()
    setup = {"patients": (), "visits": ("patients",)}.get(kind, ("patients", "visits"))
    for k in (*setup, kind):  # the unmutated file imports: fuzzing starts from a working one
        (base / f"setup_{k}.csv").write_text(_KINDS[k], encoding="utf-8")
        assert run_cli(["registry", "import", k, str(base / f"setup_{k}.csv")]) == 0
    examples = (30 if registry_cli.kind == "sqlite" else 12) // (3 if kind == "treatments" else 1)

    @settings(max_examples=examples, **_SETTINGS)
    @given(data=mutated_csv(_KINDS[kind]))
    def run(data: bytes) -> None:
        f = base / f"{kind}.csv"
        f.write_bytes(data)
        before = _row_count(registry_cli)
        code = run_cli(["registry", "import", kind, str(f)], seconds=30)
        err = capsys.readouterr().err
        assert code in (0, 2), (data[:300], err)
        if code == 2:
            assert _row_count(registry_cli) == before, data[:300]  # all rows or none
            assert "Traceback" not in err and err.count("\n") == 1, err

    run()


# -- web: POST /api/v1/evidence/pool ---------------------------------------------------------


@pytest.fixture(scope="module")
def web():
    from fastapi.testclient import TestClient

    from anagen.web import Settings, create_app

    app = create_app(Settings(workers=1, assess_draws=5, assess_follicles=2000))
    try:
        yield TestClient(app)  # server exceptions are raised here: a 500 fails the test
    finally:
        app.state.jobs.shutdown()


def _post(web, data: bytes, form: dict[str, str]):
    with time_limit(20):
        r = web.post(
            "/api/v1/evidence/pool", files={"file": ("mine.csv", data, "text/csv")}, data=form
        )
    assert r.status_code in (200, 413, 422), (r.status_code, r.text[:300], data[:300])
    if r.status_code == 422:
        msg = r.json()["message"]
        assert "/tmp" not in msg and len(msg) < 2000, msg  # no server path, no echoed file
    return r


@pytest.mark.parametrize(
    "text,form",
    [(EFFECTS, {"method": "REML"}), (ARMS, {"measure": "SMD", "method": "PM", "knha": "true"})],
    ids=["yi-vi", "arms"],
)
def test_fuzz_web_pool_upload(web, text, form):
    @settings(max_examples=40, **_SETTINGS)
    @given(data=mutated_csv(text))
    def run(data: bytes) -> None:
        _post(web, data, form)

    run()


@pytest.mark.parametrize("path", UPLOADS, ids=lambda p: p.stem)
def test_upload_corpus(web, path, tmp_path, monkeypatch):
    """The reproducers: the web upload answers 200/422, ``evidence pool`` and ``evidence add``
    exit 0/2."""
    _post(web, path.read_bytes(), {"method": "REML"})
    assert run_cli(["evidence", "pool", str(path)], seconds=20) in (0, 2)
    monkeypatch.setenv("ANAGEN_EVIDENCE_DIR", str(tmp_path / "store"))
    assert run_cli(["evidence", "add", str(path)], seconds=20) == 2  # none has the schema
    assert _files(tmp_path / "store") == []
