"""Forest and funnel plots: the drawn elements, files written in both formats."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Polygon

from anagen.errors import InputError
from anagen.evidence import PublishedEstimate, forest_plot, funnel_plot, pool, save_figure

YI = [0.1, 0.3, 0.35, 0.6, -0.1, 0.2]
VI = [0.01, 0.02, 0.015, 0.03, 0.02, 0.05]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_forest_rows_weights_diamond_and_pi():
    ax = forest_plot(YI, VI, [f"S{i}" for i in range(6)], xlabel="SMD")
    res = pool(YI, VI)
    texts = _texts(ax)
    for i, w in enumerate(res.weights):
        assert f"S{i}" in texts and f"{w:.1f}%" in texts
    assert "95% prediction interval" in texts
    assert f"[{res.pi_low:.2f}, {res.pi_high:.2f}]" in texts
    diamonds = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(diamonds) == 1
    xs = diamonds[0].get_xy()[:, 0]
    assert xs.min() == pytest.approx(res.ci_low) and xs.max() == pytest.approx(res.ci_high)
    assert ax.get_xlabel() == "SMD"
    plt.close(ax.figure)


def test_forest_subgroups_and_published_block():
    groups = ["A", "A", "B", "B", "B", "C"]
    ax = forest_plot(YI, VI, groups=groups, published=[PublishedEstimate("Pub", 0.4, 0.2, 0.6)])
    texts = _texts(ax)
    assert {"A", "B", "C", "Pub"} <= set(texts)
    # subtotal diamonds for A and B (k >= 2), none for C, plus overall and published
    assert sum(t.startswith("Subtotal") for t in texts) == 2
    assert len([p for p in ax.patches if isinstance(p, Polygon)]) == 4
    plt.close(ax.figure)


def test_forest_weights_follow_plot_order_not_result_order():
    res = pool(YI[::-1], VI[::-1])
    ax = forest_plot(YI, VI, [f"S{i}" for i in range(6)], result=res)
    ref = pool(YI, VI).weights
    assert f"{ref[0]:.1f}%" in _texts(ax)
    plt.close(ax.figure)


def test_funnel_with_trim_and_fill_open_markers():
    yi = np.array([0.8, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.7, 0.9])
    vi = np.array([0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.008, 0.15, 0.25])
    ax = funnel_plot(yi, vi, trimfill=True)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # SE axis inverted
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("filled by trim and fill") for label in labels)
    plt.close(ax.figure)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_save_formats(tmp_path, suffix):
    ax = forest_plot(YI, VI)
    out = save_figure(ax.figure, tmp_path / f"f{suffix}")
    assert out.stat().st_size > 5000
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in out.read_bytes()


def test_bad_inputs():
    with pytest.raises(InputError):
        forest_plot([1.0], [0.0])
    with pytest.raises(InputError):
        forest_plot([1.0, 2.0], [0.1, 0.1], ["a"])
    with pytest.raises(InputError):
        funnel_plot([1.0], [0.1])
    ax = forest_plot(YI, VI)
    with pytest.raises(InputError):
        save_figure(ax.figure, "x.txt")
    plt.close("all")
