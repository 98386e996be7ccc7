"""CSV import of treatments and adverse events (all-or-nothing, row/column messages), and broken
files of every kind: exit 2 with one line, nothing half-written, the audit chain intact."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import func, select

from anagen.errors import InputError
from anagen.registry import models as m
from anagen.registry import service as svc
from anagen.registry._io import import_csv
from tests.registry.test_io import PATIENTS, VISITS

TREATMENTS = """patient,option,start_date,planned_months,sessions_planned,product_lot,n_draws,n_follicles
N001,minoxidil_5,2024-01-15,3;6,0,,5,2000
N002,none,2024-01-15,6,0,,5,2000
N003,gentile2019_micrografts,2024-01-16,6,3,HF-24-01,5,2000
"""
AES = """patient,description,severity,serious,causality,outcome,onset_date,resolution_date
N001,scalp itching,mild,false,probable,recovered,2024-02-01,2024-02-10
N003,erythema at injection sites,mild,false,possible,recovering,2024-01-17,
"""


def _counts(s):
    return {
        cls.__tablename__: s.scalar(select(func.count()).select_from(cls))
        for cls in (m.Patient, m.Visit, m.Treatment, m.Prediction, m.AdverseEvent, m.AuditEntry)
    }


@pytest.fixture
def clinic(registry_db, tmp_path):
    reg, carl = registry_db.app(), registry_db.login("carl")
    for name, text in (("p.csv", PATIENTS), ("v.csv", VISITS)):
        (tmp_path / name).write_text(text)
        with reg.session(carl) as s:
            import_csv(s, carl, "patients" if name == "p.csv" else "visits", tmp_path / name)
    return reg, carl


def test_import_treatments_and_adverse_events(clinic, tmp_path):
    reg, carl = clinic
    (tmp_path / "t.csv").write_text(TREATMENTS)
    (tmp_path / "ae.csv").write_text(AES)
    with reg.session(carl) as s:
        assert import_csv(s, carl, "treatments", tmp_path / "t.csv")["rows"] == 3
    with reg.session(carl) as s:
        assert import_csv(s, carl, "adverse_events", tmp_path / "ae.csv")["rows"] == 2
    with reg.session(carl) as s:
        trs = s.scalars(select(m.Treatment).order_by(m.Treatment.id)).all()
        assert [(t.option, t.planned_months) for t in trs] == [
            ("minoxidil_5", [3, 6]), ("none", [6]), ("gentile2019_micrografts", [6]),
        ]  # fmt: skip
        assert trs[2].product_lot == "HF-24-01" and trs[2].sessions_planned == 3
        # each imported treatment froze its prediction, exactly as 'treatment add' does
        assert _counts(s)["predictions"] == 4
        d = svc.patient_detail(s, carl, "N001")
        assert [p["month"] for p in d["treatments"][0]["predictions"]] == [3, 6]
        assert d["adverse_events"][0]["description"] == "scalp itching"
        assert all(r.ok for r in svc.verify_audit(s, carl))


@pytest.mark.parametrize(
    ("kind", "text", "needle"),
    [
        ("treatments", TREATMENTS.replace("N003,gentile", "N009,gentile"), "row 3: 'patient'"),
        ("treatments", TREATMENTS.replace("3;6", "3;x"), "row 1: 'planned_months'"),
        ("treatments", TREATMENTS.replace("3;6", "3;60"), "row 1: 'treatments.planned_months'"),
        ("treatments", TREATMENTS.replace("none,2024-01-15", "none,2023-01-15"),
         "row 2: 'treatments.start_date'"),
        ("treatments", TREATMENTS.replace("minoxidil_5", "snake_oil"),
         "row 1: 'treatments.option'"),
        ("treatments", TREATMENTS.replace("product_lot", "protocol_toml"), "'protocol_toml'"),
        ("adverse_events", AES.replace(",mild,false,possible", ",grave,false,possible"),
         "row 2: 'adverse_events.severity'"),
        ("adverse_events", AES.replace("2024-02-10", "2024-01-10"),
         "row 1: 'adverse_events.resolution_date'"),
        ("adverse_events", AES.replace("false,probable", "maybe,probable"), "row 1: 'serious'"),
    ],
)  # fmt: skip
def test_bad_rows_write_nothing(clinic, tmp_path, kind, text, needle):
    reg, carl = clinic
    (tmp_path / "t.csv").write_text(TREATMENTS)
    if kind == "adverse_events":
        with reg.session(carl) as s:
            import_csv(s, carl, "treatments", tmp_path / "t.csv")
    with reg.session(carl) as s:
        before = _counts(s)
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(InputError) as exc, reg.session(carl) as s:
        import_csv(s, carl, kind, tmp_path / "bad.csv")
    assert needle in str(exc.value) and str(exc.value).startswith("bad.csv")
    with reg.session(carl) as s:
        assert _counts(s) == before
        assert all(r.ok for r in svc.verify_audit(s, carl))


# --------------------------------------------------------------------------- broken files


def _mutations(text: str, rng: np.random.Generator) -> list[tuple[str, bytes]]:
    """Broken variants of a valid CSV file (deterministic for a seed)."""
    raw = text.encode()
    lines = text.splitlines()
    out = [
        ("empty", b""),
        ("header only", (lines[0] + "\n").encode()),
        ("not UTF-8", raw[:20] + b"\xff\xfe\x80" + raw[20:]),
        ("NUL byte", raw[:30] + b"\x00" + raw[30:]),
        ("duplicate column", (lines[0] + "," + lines[0].split(",")[0] + "\n").encode()
         + "\n".join(lines[1:]).encode()),
        ("extra cell", (text.rstrip("\n") + ",extra\n").encode()),
        ("unknown column", text.replace(lines[0], lines[0] + ",colour", 1).encode()),
        ("unclosed quote", (text.rstrip("\n") + ',"never closed\n').encode()),
        ("huge cell", (text.rstrip("\n").rsplit(",", 1)[0] + "," + "9" * 200_000 + "\n").encode()),
        ("binary", bytes(rng.integers(0, 256, 300, dtype=np.uint8))),
    ]  # fmt: skip
    for _ in range(8):  # truncated mid-row (never at a line end)
        cut = int(rng.integers(len(lines[0]) + 2, len(raw) - 2))
        while raw[cut - 1 : cut] == b"\n":
            cut -= 1
        out.append((f"truncated at byte {cut}", raw[:cut]))
    for _ in range(8):  # one cell replaced by garbage
        rows = [ln.split(",") for ln in lines]
        r = int(rng.integers(1, len(rows)))
        c = int(rng.integers(0, len(rows[r])))
        rows[r][c] = str(rng.choice(["-1", "1e999", "nan", "2024-13-45", "x" * 300, "ü", "  "]))
        out.append((f"garbage in row {r} column {c}", "\n".join(map(",".join, rows)).encode()))
    return out


_BASES = {
    "patients": PATIENTS.replace("N00", "Q00"),
    "visits": "\n".join(
        ln.replace("2024-07-", "2025-01-") for ln in VISITS.splitlines() if "baseline" not in ln
    )
    + "\n",
    "treatments": TREATMENTS,
    "adverse_events": AES,
}


@pytest.mark.parametrize("kind", list(_BASES))
def test_broken_files_exit_2_and_write_nothing(registry_db, clinic, cli, tmp_path, kind):
    """Every broken variant: exit 0 with all of its rows written (a mutation can leave a valid
    file), or exit 2 with one line naming the file and nothing written; never a traceback."""
    import csv

    reg, carl = clinic
    (tmp_path / "t.csv").write_text(TREATMENTS)
    if kind == "adverse_events":  # the AEs need the treatments' patients to exist first
        with reg.session(carl) as s:
            import_csv(s, carl, "treatments", tmp_path / "t.csv")
    assert cli("login", "--clinic", "north", "--user", "carl")[0] == 0
    rng = np.random.default_rng(np.random.SeedSequence([12, len(kind)]))
    refused = 0
    for label, data in _mutations(_BASES[kind], rng):
        f = tmp_path / f"{kind}.csv"
        f.write_bytes(data)
        with reg.session(carl) as s:
            before = _counts(s)
        code, out, err = cli("import", kind, str(f), "--json")
        with reg.session(carl) as s:
            after = _counts(s)
        assert code in (0, 2), (label, code, err)
        if code == 2:
            refused += 1
            assert after == before, label
            assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err, label
        else:
            n = len(list(csv.DictReader(data.decode("utf-8-sig").splitlines())))
            assert json.loads(out)["rows"] == n, label
            assert after["audit_log"] > before["audit_log"], label
    assert refused >= 18  # nearly every variant is broken; the rest were valid files
    with reg.session(carl) as s:
        assert all(r.ok for r in svc.verify_audit(s, carl))
