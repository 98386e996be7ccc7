"""Regression: big pools degrade gracefully (issue 12).

A 3,000-study forest plot took 56 s and 3.4 GB; a 100,000-row pool printed its table for 94 s.
Now the table is summarised and a forest plot beyond its readable size is refused up front.
"""

from __future__ import annotations

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.evidence import forest_plot
from anagen.evidence._plots import MAX_FOREST_STUDIES
from tests.fuzz.conftest import run_cli


@pytest.fixture
def big_csv(tmp_path):
    rng = np.random.default_rng(3)
    k = 5000
    rows = [
        f"S{i},{y:.4f},{v:.4f}"
        for i, (y, v) in enumerate(
            zip(rng.normal(0.3, 0.2, k), rng.uniform(0.01, 0.1, k), strict=True)
        )
    ]
    p = tmp_path / "big.csv"
    p.write_text("study,yi,vi\n" + "\n".join(rows) + "\n")
    return p


def test_table_is_summarised(big_csv, capsys):
    assert run_cli(["evidence", "pool", str(big_csv)], seconds=60) == 0
    out = capsys.readouterr().out
    assert "4,950 more studies" in out and "all are in --format json" in out
    assert out.count("\n") < 120


def test_forest_refused_up_front(big_csv, tmp_path, capsys):
    png = tmp_path / "f.png"
    assert run_cli(["evidence", "pool", str(big_csv), "--forest", str(png)], seconds=30) == 2
    assert f"at most {MAX_FOREST_STUDIES} studies" in capsys.readouterr().err
    assert not png.exists()


def test_library_forest_plot_refuses_too():
    k = MAX_FOREST_STUDIES + 1
    with pytest.raises(InputError, match="at most"):
        forest_plot(np.zeros(k), np.ones(k))
