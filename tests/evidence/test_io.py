"""Reading a user's effect CSV: every bad input names the file, the row and the column."""

from __future__ import annotations

import numpy as np
import pytest

from anagen.errors import InputError
from anagen.evidence import effect_sizes, read_effects


def _write(tmp_path, text, name="e.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_yi_vi_layout_with_labels(tmp_path):
    t = read_effects(_write(tmp_path, "study,yi,vi\nA,0.1,0.01\n,0.3,0.02\n"))
    assert t.k == 2 and t.layout == "yi_vi"
    assert t.labels == ("A", "Study 2")
    np.testing.assert_allclose(t.yi, [0.1, 0.3])


@pytest.mark.parametrize("measure", ["MD", "SMD", "ROM"])
def test_arm_layout_uses_escalc_definitions(tmp_path, measure):
    p = _write(tmp_path, "m2i,sd2i,n2i,m1i,sd1i,n1i\n8,3,20,10,3,20\n9,4,28,12,4,30\n")
    t = read_effects(p, measure=measure)
    yi, vi = effect_sizes(measure, [10, 12], [3, 4], [20, 30], [8, 9], [3, 4], [20, 28])
    np.testing.assert_allclose(t.yi, yi)
    np.testing.assert_allclose(t.vi, vi)
    assert t.measure == measure


@pytest.mark.parametrize(
    ("text", "field", "row", "fragment"),
    [
        ("study,yi,vi\nA,0.1,0.01\nB,x,0.02\n", "yi", 2, "got 'x'"),
        ("study,yi,vi\nA,0.1,0.01\nB,,0.02\n", "yi", 2, "(empty)"),
        ("study,yi,vi\nA,0.1,0.01\nB,nan,0.02\n", "yi", 2, "nan"),
        ("study,yi,vi\nA,0.1,0\n", "vi", 1, "> 0"),
        ("study,yi,vi\nA,0.1,-1\n", "vi", 1, "> 0"),
        ("yi,vj\n0.1,0.01\n", "vj", None, "unknown column"),
        ("yi\n0.1\n", "vi", None, "missing column"),
        ("m1i,sd1i,n1i,m2i,sd2i\n1,1,10,1,1\n", "n2i", None, "missing column"),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,1,1,1,10\n", "n1i", 1, ">= 2"),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,10,1,1,10\n1,-1,10,1,1,10\n", "sd1i", 2, ">= 0"),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,10.5,1,1,10\n", "n1i", 1, "integer"),
        ("yi,vi,yi\n1,1,1\n", "yi", None, "each column once"),
        ("yi,vi,m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,1,1,10,1,1,10\n", "m1i", None, "not both"),
    ],
)
def test_bad_cells(tmp_path, text, field, row, fragment):
    p = _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        read_effects(p)
    err = exc.value
    assert err.field == field and err.row == row and err.file == str(p)
    assert fragment in str(err) and str(p) in str(err)


def test_rom_needs_positive_means(tmp_path):
    p = _write(tmp_path, "m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,10,0,1,10\n")
    with pytest.raises(InputError) as exc:
        read_effects(p, measure="ROM")
    assert exc.value.field == "m2i" and exc.value.row == 1


def test_file_level_problems(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_effects(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="empty file"):
        read_effects(_write(tmp_path, ""))
    with pytest.raises(InputError, match="no data rows"):
        read_effects(_write(tmp_path, "yi,vi\n"))
    with pytest.raises(InputError, match="row 1: has 2 cells"):
        read_effects(_write(tmp_path, "study,yi,vi\nA,1\n"))
    with pytest.raises(InputError) as exc:
        read_effects(_write(tmp_path, "yi,vi\n1,1\n"), measure="OR")
    assert exc.value.field == "--measure"


def test_group_column(tmp_path):
    t = read_effects(_write(tmp_path, "study,group,yi,vi\nA,x,0.1,0.01\nB,y,0.3,0.02\n"))
    assert t.groups == ("x", "y")
    assert read_effects(_write(tmp_path, "yi,vi\n0.1,0.01\n", "n.csv")).groups is None
    with pytest.raises(InputError) as exc:
        read_effects(_write(tmp_path, "group,yi,vi\nx,0.1,0.01\n,0.3,0.02\n", "g.csv"))
    assert exc.value.field == "group" and exc.value.row == 2
