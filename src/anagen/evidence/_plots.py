"""Forest and funnel plots in the layout of a published meta-analysis (matplotlib, Agg).

The forest plot follows the conventions of Cochrane review figures and metafor's
``forest()``: one row per study with its label on the left, a square sized by the study's
weight and its confidence interval, the estimate, interval and weight printed on the right, a
diamond for each pooled estimate, the prediction interval as a bar under it, subgroup blocks
with their own diamonds, and a vertical line at no effect. The funnel plot puts the standard
error, inverted, on the y axis with pseudo-confidence limits around the pooled estimate, and
draws studies added by trim and fill as open markers.

References
----------
.. [1] Lewis S, Clarke M. Forest plots: trying to see the wood and the trees. BMJ
   2001;322:1479-1480.
.. [2] Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
   2010;36(3):1-48 (``forest``, ``funnel``, ``addpoly``).
.. [3] Sterne JAC, Egger M. Funnel plots for detecting bias in meta-analysis. J Clin
   Epidemiol 2001;54(10):1046-1055.
.. [4] Duval S, Tweedie R. Trim and fill. Biometrics 2000;56(2):455-463.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Polygon
from matplotlib.transforms import blended_transform_factory
from scipy import stats

from anagen.errors import InputError

# user labels ($ in a study or protocol name) are text, never math: no mathtext parsing
matplotlib.rcParams["text.parse_math"] = False

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from anagen.evidence._bias import TrimFillResult
    from anagen.evidence._pool import PoolResult

__all__ = ["PublishedEstimate", "forest_plot", "funnel_plot", "save_figure"]

_STUDY = "#1f3b73"
_POOLED = "#b22222"
_SUB = "#555555"
_PUBLISHED = "#2e7d32"
_FIG_FORMATS = (".png", ".svg", ".pdf")
# forest plot text columns, in axes fractions: x and horizontal alignment
_COLUMNS = {"label": (-0.02, "right"), "estimate": (1.02, "left"), "weight": (1.62, "right")}


@dataclass(frozen=True, slots=True)
class PublishedEstimate:
    """A pooled estimate taken from a published meta-analysis, drawn as an open diamond.

    Attributes
    ----------
    label
        Row label (treatment, comparison, source).
    estimate, ci_low, ci_high
        The published estimate and its confidence interval, on the plot's scale.
    """

    label: str
    estimate: float
    ci_low: float
    ci_high: float


def _fmt(x: float, digits: int) -> str:
    return "NA" if not math.isfinite(x) else f"{x:.{digits}f}"


def _interval(est: float, lo: float, hi: float, digits: int) -> str:
    """``est [lo, hi]`` as printed in the forest plot's estimate column."""
    return f"{_fmt(est, digits)} [{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def _diamond(
    ax: Axes,
    y: float,
    est: float,
    lo: float,
    hi: float,
    *,
    color: str,
    filled: bool = True,
    h: float = 0.32,
) -> None:
    poly = Polygon(
        [(lo, y), (est, y + h), (hi, y), (est, y - h)],
        closed=True,
        facecolor=color if filled else "white",
        edgecolor=color,
        linewidth=1.0,
        zorder=3,
    )
    ax.add_patch(poly)


#: Most study rows in one forest plot (about 3 m of figure at the row height used here).
MAX_FOREST_STUDIES = 500


def forest_plot(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    labels: Sequence[str] | None = None,
    *,
    groups: Sequence[str] | None = None,
    result: PoolResult | None = None,
    method: str = "REML",
    level: float = 0.95,
    knha: bool = False,
    overall: bool = True,
    published: Sequence[PublishedEstimate] = (),
    published_title: str = "Published pooled estimates",
    xlabel: str = "Effect size",
    null: float = 0.0,
    favours: tuple[str, str] = ("Favours control", "Favours treatment"),
    title: str | None = None,
    digits: int = 2,
    ax: Axes | None = None,
) -> Axes:
    """Draw a forest plot: study rows, weights, pooled diamonds, prediction interval, subgroups.

    Parameters
    ----------
    yi, vi
        Study effect sizes and sampling variances.
    labels
        Study labels (default ``"Study 1"``, ...).
    groups
        Optional subgroup label per study: studies are drawn in blocks, each with its own
        pooled diamond when it has two or more studies (``method``; a one-study block shows
        the study only).
    result
        The overall pooled result to draw; computed with :func:`anagen.evidence.pool` and
        ``method`` when ``None`` and ``overall`` is true and ``k >= 2``.
    method, level
        Estimator and confidence level for any pooling done here.
    knha
        Knapp-Hartung adjustment for any pooling done here (subgroups, and the overall result
        when it is computed here).
    overall
        Draw the overall diamond (set False when the studies must not be pooled together).
    published
        Published pooled estimates to show in an extra block (open diamonds), e.g. comparators.
    published_title
        Heading of that block.
    xlabel
        x-axis label: the measure and its unit.
    null
        Value of no effect (vertical dashed line).
    favours
        Texts under the left and right side of the null line.
    title
        Optional title.
    digits
        Decimals of printed estimates.
    ax
        Axes to draw on; a new figure sized to the rows is created when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Lewis & Clarke 2001 [1]_; metafor ``forest`` [2]_.
    """
    from anagen.evidence._pool import pool

    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    k = y.size
    if k > MAX_FOREST_STUDIES:
        raise InputError(
            f"a forest plot shows at most {MAX_FOREST_STUDIES} study rows (a taller figure is "
            "unreadable and costs minutes and gigabytes); plot a subset or use a funnel plot",
            field="studies",
            got=k,
        )
    if k == 0 and not published:
        raise InputError(field="yi", allowed="at least one study or published estimate", got=0)
    if v.size != k:
        raise InputError(field="vi", allowed=f"{k} values (same as yi)", got=v.size)
    if k and not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise InputError(
            field="vi", allowed="finite yi and vi > 0", got="non-finite or non-positive"
        )
    labs = [f"Study {i + 1}" for i in range(k)] if labels is None else [str(s) for s in labels]
    if len(labs) != k:
        raise InputError(field="labels", allowed=f"{k} labels", got=len(labs))
    grp = None if groups is None else [str(g) for g in groups]
    if grp is not None and len(grp) != k:
        raise InputError(field="groups", allowed=f"{k} labels", got=len(grp))
    z = stats.norm.isf((1 - level) / 2)
    se = np.sqrt(v)
    lo_i, hi_i = y - z * se, y + z * se
    if result is None and overall and k >= 2:
        result = pool(y, v, method=method, knha=knha, level=level)
    if not overall:
        result = None

    # ---- build rows top-down: (kind, payload) ---------------------------------------------
    rows: list[tuple[str, object]] = []
    order = list(dict.fromkeys(grp)) if grp is not None else [None]
    sub_results: dict[str, PoolResult] = {}
    for g in order:
        idx = [i for i in range(k) if grp is None or grp[i] == g]
        if g is not None:
            rows.append(("group", g))
        rows.extend(("study", i) for i in idx)
        if g is not None and len(idx) >= 2:
            sub_results[g] = pool(y[idx], v[idx], method=method, knha=knha, level=level)
            rows.append(("subgroup", g))
        if g is not None:
            rows.append(("gap", None))
    if result is not None:
        rows.append(("overall", None))
        if result.method != "FE" and result.k >= 2:
            rows.append(("pi", None))
        rows.append(("het", None))
    if published:
        rows.append(("gap", None))
        rows.append(("pubhead", published_title))
        rows.extend(("published", p) for p in published)
    while rows and rows[-1][0] == "gap":
        rows.pop()

    n_rows = len(rows)
    if ax is None:
        fig = plt.figure(figsize=(10.5, 1.6 + 0.32 * (n_rows + 1)))
        ax = fig.add_axes(
            (
                0.30,
                0.9 / (1.6 + 0.32 * (n_rows + 1)),
                0.38,
                0.32 * (n_rows + 1) / (1.6 + 0.32 * (n_rows + 1)),
            )
        )
    fig = ax.figure
    left = blended_transform_factory(ax.transAxes, ax.transData)

    # weights shown: overall weights when pooled overall, else within-subgroup weights
    weights = np.full(k, np.nan)
    if result is not None and result.k == k:
        # from the result's tau2 and this plot's row order (the result may list studies
        # in another order)
        w = 1.0 / (v + (0.0 if result.method == "FE" else result.tau2))
        weights = 100.0 * w / w.sum()
    else:
        for g, r in sub_results.items():
            idx = [i for i in range(k) if grp is not None and grp[i] == g]
            weights[idx] = r.weights
        if grp is not None:
            for g in order:
                idx = [i for i in range(k) if grp[i] == g]
                if len(idx) == 1:
                    weights[idx] = 100.0
        elif k == 1:
            weights[:] = 100.0
    wmax = np.nanmax(weights) if np.isfinite(weights).any() else 100.0

    xs: list[float] = [null]
    ypos = n_rows

    def cell(column: str, at: float, text: str, **style: object) -> None:
        """Text in one of the three columns: study label, estimate [CI], weight."""
        x, ha = _COLUMNS[column]
        ax.text(x, at, text, transform=left, ha=ha, va="center", **{"fontsize": 9, **style})

    for column, heading in (
        ("label", "Study"),
        ("estimate", f"Estimate [{level:.0%} CI]"),
        ("weight", "Weight"),
    ):
        cell(column, ypos + 0.9, heading, fontweight="bold")
    for kind, payload in rows:
        ypos -= 1
        if kind in ("group", "pubhead"):
            ax.text(
                -0.02 - 0.55,
                ypos,
                str(payload),
                transform=left,
                ha="left",
                va="center",
                fontweight="bold",
                fontsize=9,
                bbox={"fc": "white", "ec": "none", "pad": 0.5},
            )
        elif kind == "study":
            i = int(payload)  # type: ignore[arg-type]
            ax.plot([lo_i[i], hi_i[i]], [ypos, ypos], color=_STUDY, lw=1.0, zorder=2)
            size = 4 + 8 * math.sqrt((weights[i] if math.isfinite(weights[i]) else wmax) / wmax)
            ax.plot([y[i]], [ypos], marker="s", ms=size, color=_STUDY, zorder=3, linestyle="none")
            cell("label", ypos, labs[i])
            cell("estimate", ypos, _interval(y[i], lo_i[i], hi_i[i], digits), family="monospace")
            if math.isfinite(weights[i]):
                cell("weight", ypos, f"{weights[i]:.1f}%", family="monospace")
            xs += [lo_i[i], hi_i[i]]
        elif kind == "subgroup":
            r = sub_results[str(payload)]
            _diamond(ax, ypos, r.estimate, r.ci_low, r.ci_high, color=_SUB, h=0.28)
            cell("label", ypos, f"Subtotal (k = {r.k}, I² = {r.i2:.0f}%)", style="italic")
            cell(
                "estimate",
                ypos,
                _interval(r.estimate, r.ci_low, r.ci_high, digits),
                family="monospace",
                style="italic",
            )
            xs += [r.ci_low, r.ci_high]
        elif kind == "overall" and result is not None:
            ax.axhline(ypos + 0.6, color="black", lw=0.6)
            _diamond(ax, ypos, result.estimate, result.ci_low, result.ci_high, color=_POOLED)
            model = "Fixed-effect" if result.method == "FE" else f"Random-effects ({result.method})"
            cell("label", ypos, f"{model} model, k = {result.k}", fontweight="bold")
            cell(
                "estimate",
                ypos,
                _interval(result.estimate, result.ci_low, result.ci_high, digits),
                family="monospace",
                fontweight="bold",
            )
            cell("weight", ypos, "100%", family="monospace")
            xs += [result.ci_low, result.ci_high]
        elif kind == "pi" and result is not None:
            ax.plot(
                [result.pi_low, result.pi_high],
                [ypos, ypos],
                color=_POOLED,
                lw=2.2,
                alpha=0.55,
                solid_capstyle="butt",
            )
            for xe in (result.pi_low, result.pi_high):
                ax.plot([xe, xe], [ypos - 0.18, ypos + 0.18], color=_POOLED, lw=1.2, alpha=0.8)
            cell("label", ypos, f"{level:.0%} prediction interval")
            cell(
                "estimate",
                ypos,
                f"[{_fmt(result.pi_low, digits)}, {_fmt(result.pi_high, digits)}]",
                family="monospace",
            )
            xs += [result.pi_low, result.pi_high]
        elif kind == "het" and result is not None:
            het = (
                f"τ² = {result.tau2:.3g}, I² = {result.i2:.0f}%, Q({result.q_df}) = {result.q:.2f}, "
                f"p = {result.q_p:.3g}"
                if result.k >= 2
                else "heterogeneity not applicable (one study)"
            )
            cell("label", ypos, het, fontsize=8, color="#333333")
        elif kind == "published":
            p: PublishedEstimate = payload  # type: ignore[assignment]
            _diamond(
                ax, ypos, p.estimate, p.ci_low, p.ci_high, color=_PUBLISHED, filled=False, h=0.28
            )
            cell("label", ypos, p.label)
            cell(
                "estimate",
                ypos,
                _interval(p.estimate, p.ci_low, p.ci_high, digits),
                family="monospace",
            )
            xs += [p.ci_low, p.ci_high]

    finite = [x for x in xs if math.isfinite(x)]
    lo_x, hi_x = min(finite), max(finite)
    pad = 0.06 * (hi_x - lo_x or 1.0)
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.set_ylim(-0.6 if n_rows else -1, n_rows + 1.4)
    ax.axvline(null, color="#444444", lw=0.8, ls="--", zorder=1)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    for text, dx, ha in (
        (f"\u2190 {favours[0]}", -6, "right"),
        (f"{favours[1]} \u2192", 6, "left"),
    ):
        ax.annotate(
            text,
            xy=(null, 0),
            xycoords=trans,
            xytext=(dx, -24),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=8,
            color="#444444",
        )
    ax.xaxis.labelpad = 20
    if title:
        fig.suptitle(title, fontsize=11, fontweight="bold", x=0.02, ha="left")
    return ax


def funnel_plot(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    *,
    result: PoolResult | None = None,
    trimfill: TrimFillResult | bool = False,
    method: str = "REML",
    level: float = 0.95,
    xlabel: str = "Effect size",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a funnel plot (effect vs standard error, inverted) with pseudo-confidence limits.

    Parameters
    ----------
    yi, vi
        Study effect sizes and sampling variances (k >= 2).
    result
        Pooled result giving the funnel's centre; computed with ``method`` when ``None``.
    trimfill
        A :class:`~anagen.evidence.TrimFillResult` or ``True`` to compute one (needs k >= 3);
        its filled studies are drawn as open circles and its adjusted estimate as a dotted line.
    method, level
        Estimator for any pooling here and the pseudo-confidence level of the funnel.
    xlabel, title
        Axis label (the measure) and optional title.
    ax
        Axes to draw on, or ``None`` for a new figure.

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Sterne & Egger 2001 [3]_; Duval & Tweedie 2000 [4]_.
    """
    from anagen.evidence._pool import pool

    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.size < 2 or v.size != y.size:
        raise InputError(field="yi", allowed="at least 2 studies with one vi each", got=y.size)
    if result is None:
        result = pool(y, v, method=method, level=level)
    tf = None
    if trimfill is True:
        from anagen.evidence._bias import trim_and_fill

        if y.size < 3:
            raise InputError(field="trimfill", allowed="k >= 3 for trim and fill", got=y.size)
        tf = trim_and_fill(y, v, method=method, level=level)
    elif trimfill is not False:
        tf = trimfill  # type: ignore[assignment]
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.8))
    se = np.sqrt(v)
    all_se = se
    if tf is not None and tf.k0 > 0:
        all_se = np.concatenate([se, np.sqrt(np.asarray(tf.filled_vi))])
    se_max = float(all_se.max()) * 1.08
    z = stats.norm.isf((1 - level) / 2)
    grid = np.linspace(0, se_max, 50)
    c = result.estimate
    ax.fill_betweenx(grid, c - z * grid, c + z * grid, color="#f0f0f0", zorder=0)
    ax.plot(c - z * grid, grid, color="#666666", lw=0.8, ls="--")
    ax.plot(
        c + z * grid, grid, color="#666666", lw=0.8, ls="--", label=f"pseudo {level:.0%} limits"
    )
    ax.axvline(c, color=_POOLED, lw=1.0, label=f"pooled estimate ({c:.3g})")
    ax.scatter(y, se, s=36, color=_STUDY, zorder=3, label="studies")
    if tf is not None and tf.k0 > 0:
        ax.scatter(
            tf.filled_yi,
            np.sqrt(np.asarray(tf.filled_vi)),
            s=36,
            facecolors="white",
            edgecolors=_STUDY,
            zorder=3,
            label=f"filled by trim and fill (k0 = {tf.k0})",
        )
        ax.axvline(
            tf.estimate,
            color=_POOLED,
            lw=1.0,
            ls=":",
            label=f"adjusted estimate ({tf.estimate:.3g})",
        )
    if tf is not None and tf.k0 == 0:
        ax.plot([], [], " ", label=f"trim and fill ({tf.estimator}): no study imputed")
    ax.set_ylim(se_max, 0)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel("Standard error", fontsize=9)
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(
        fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), scatterpoints=1
    )
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    return ax


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Save a figure as PNG (200 dpi), SVG or PDF according to the suffix; close it.

    Raises
    ------
    InputError
        For another suffix or a missing directory.
    """
    p = Path(path)
    if p.suffix.lower() not in _FIG_FORMATS:
        raise InputError(
            field=str(p),
            allowed="a file ending in .png, .svg or .pdf",
            got=p.suffix or "(no suffix)",
        )
    if not p.resolve().parent.is_dir():
        raise InputError("output directory does not exist", file=str(p.resolve().parent))
    from anagen._io import check_output_path, save_figure

    check_output_path(p, field=str(p))
    save_figure(fig, p, field=str(p), dpi=200, bbox_inches="tight")
    plt.close(fig)
    return p
