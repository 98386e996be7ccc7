"""Regression: a ``$`` in a study label or protocol name is text, not mathtext (issue 12)."""

from __future__ import annotations

from pathlib import Path

from anagen.therapy import protocol_paths
from tests.fuzz.conftest import run_cli

BAD = r"$\frac{$ name"


def _protocol(tmp_path: Path) -> Path:
    src = protocol_paths()["style_low_dose"].read_text(encoding="utf-8")
    p = tmp_path / "dollar.toml"
    p.write_text(
        src.replace('name = "STYLE low-dose', f'name = "{BAD.replace(chr(92), 2 * chr(92))}', 1)
    )
    return p


def test_forest_plot_with_dollar_labels(tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text(f'study,yi,vi\n"{BAD}",0.1,0.01\nB$x^$,0.2,0.02\n')
    png = tmp_path / "f.png"
    assert run_cli(["evidence", "pool", str(csv), "--forest", str(png)]) == 0
    assert png.stat().st_size > 1000


def test_protocol_plot_with_dollar_name(tmp_path):
    png = tmp_path / "p.png"
    assert run_cli(["therapy", "show", str(_protocol(tmp_path)), "--plot", str(png)]) == 0
    assert png.stat().st_size > 1000


def test_report_with_dollar_protocol_name(tmp_path):
    html = tmp_path / "r.html"
    args = ["assess", "--example", "--protocol", str(_protocol(tmp_path)), "--draws", "5"]
    assert run_cli([*args, "--follicles", "2000", "--report", str(html)], seconds=120) == 0
    assert "frac" in html.read_text(encoding="utf-8")
