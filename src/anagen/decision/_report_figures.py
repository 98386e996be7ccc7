"""The report's figures: fan charts, options side by side, scalp maps, icon arrays.

Each returns a matplotlib figure (or a base64 PNG for the icon arrays); :func:`report_figures`
renders them all as base64 PNG strings for the HTML and the PDF alike.
"""

from __future__ import annotations

import base64
import io

import numpy as np

__all__ = ["fan_figure", "icon_array_png", "options_figure", "report_figures"]


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# --------------------------------------------------------------------------- figures


def fan_figure(a):
    """Fan charts: each option (median, 80% band) against no treatment over the horizon."""
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False  # protocol names are text, never math

    opts = [o for o in a.options if o.key != "none"]
    none = a.option("none")
    ncol = max(1, min(4, len(opts)))  # one option (therapy simulate): one panel, not a row of 4
    nrow = -(-len(opts) // ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(max(3.5 * ncol, 5.0), 2.9 * nrow + (0.7 if ncol < 4 else 0.0)),
        sharex=True, sharey=True,
    )  # fmt: skip
    axes = np.atleast_1d(axes).ravel()
    m = none.trajectory.months
    for ax, o in zip(axes, opts, strict=False):
        if o.target_zone == none.target_zone:
            ax.fill_between(m, none.trajectory.p10, none.trajectory.p90, color="0.85", lw=0)
            ax.plot(m, none.trajectory.p50, color="0.4", ls="--", lw=1.2, label="no treatment")
        else:  # read where it acts: the no-treatment course of the person's area does not apply
            ax.text(0.02, 0.86 if o.extrapolation else 0.96,
                    f"counted in the {o.target_zone.replace('_', '-')} (today "
                    f"{o.baseline.median:.1f}),\nnot the {none.target_zone.replace('_', '-')}: "
                    "no grey course", transform=ax.transAxes, va="top", fontsize=6.5,
                    color="0.3")  # fmt: skip
        col = "#2d6cdf" if o.kind == "stem-cell" else "#d9822b"
        k = _known_points(o, m)  # nothing past the trials' follow-up
        ax.fill_between(m[:k], o.trajectory.p10[:k], o.trajectory.p90[:k], color=col, alpha=0.3,
                        lw=0)  # fmt: skip
        ax.plot(m[:k], o.trajectory.p50[:k], color=col, lw=1.8, label="with this option")
        if k < len(m):
            ax.axvline(m[k - 1] if k else 0, color="#b00020", lw=0.8, ls="-.")
            ax.text(0.98, 0.04, "not shown past the\ntrials' follow-up" if k else
                    "no trial follow-up", transform=ax.transAxes, ha="right", fontsize=6.5,
                    color="#b00020")  # fmt: skip
        if o.extrapolation:
            ax.text(0.02, 0.96, "EXTRAPOLATION", transform=ax.transAxes, va="top", fontsize=7,
                    color="#b00020", fontweight="bold")  # fmt: skip
        stop = o.durability.treatment_stops_month
        if stop > 0:
            ax.axvline(stop, color="0.5", lw=0.8, ls=":")
        ax.set_title(_wrap(o.name, 40), fontsize=8.5)
        ax.grid(alpha=0.3)
    for ax in axes[len(opts) :]:
        ax.set_axis_off()
    for ax in axes[::ncol]:
        ax.set_ylabel("terminal hairs per cm²")
    for ax in axes[-ncol:]:
        ax.set_xlabel("months from today")
    legend: dict = {}  # the first panel may have no grey course: collect from every panel
    for ax in axes[: len(opts)]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(lab, h)
    axes[0].legend(list(legend.values()), list(legend), fontsize=7, loc="lower left")
    sep = " " if ncol == 4 else "\n"
    fig.suptitle(
        f"Predicted {a.outcome}:{sep}median and 80% band "
        f"(grey: no treatment;{sep}dotted line: treatment stops)",
        fontsize=10 if ncol == 4 else 8,
    )
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int, lines: int = 2) -> str:
    """A panel title on at most ``lines`` lines (cut with an ellipsis only past them)."""
    import textwrap

    out = textwrap.wrap(text, width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return "\n".join(out)


def _known_points(o, months) -> int:
    """How many of ``months`` are within the option's trials' follow-up."""
    mk = o.months_known
    return len(months) if mk is None else int(np.searchsorted(np.asarray(months), mk, "right"))


def options_figure(a):
    """Each option's effect against no treatment at 12 and 24 months (median, 80% interval)."""
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False  # protocol names are text, never math

    opts = sorted(
        [o for o in a.options if o.key != "none"],
        key=lambda o: (o.shown(12) is not None, o.shown(12).median if o.shown(12) else 0.0),
    )
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(opts) + 1.4))
    y = np.arange(len(opts))
    for dy, m, col in ((-0.17, 12, "#2d6cdf"), (0.17, 24, "#d9822b")):
        rows = [(i, o.shown(m)) for i, o in enumerate(opts) if o.shown(m) is not None]
        if not rows:
            continue
        med = [iv.median for _, iv in rows]
        lo = [iv.low for _, iv in rows]
        hi = [iv.high for _, iv in rows]
        ax.errorbar(
            med,
            np.array([i for i, _ in rows]) + dy,
            xerr=[np.subtract(med, lo), np.subtract(hi, med)],
            fmt="o",
            color=col,
            ms=5,
            capsize=3,
            label=f"{m} months",
        )
    thr = a.visible_threshold
    ax.axvline(0, color="k", lw=0.8)
    ax.axvline(thr, color="green", lw=0.8, ls="--", label=f"'visible' threshold (~{thr:.0f})")
    labels = []
    for o in opts:
        mark = {"not_eligible": " ✗", "ask_specialist": " ?"}.get(o.candidacy.status, "")
        mark += " (extrapolation)" if o.extrapolation else ""
        mark += " (unknown at 12 months)" if o.shown(12) is None else ""
        nm = o.name if len(o.name) <= 46 else o.name[:44] + "…"
        labels.append(nm + mark)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(
        "change vs no treatment (added options: vs what you use now), terminal hairs per cm² "
        "(median, 80% interval; none shown past the trials' follow-up)"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Options side by side (✗ not eligible, ? ask a specialist)", fontsize=10)
    fig.tight_layout()
    return fig


def _map_figure(a):
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False  # protocol names are text, never math

    from anagen.scalp.plots import plot_scalp_map

    runs = list(a.map_runs.items())
    if not runs:
        return None
    panels = [("Today (model)", runs[0][1], 0)]
    idx24 = int(np.argmin(np.abs(runs[0][1].t_days - 24 * 365.25 / 12)))
    panels += [(f"Month 24: {name}", tr, idx24) for name, tr in runs]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 5.2))
    for ax, (title, tr, i) in zip(np.atleast_1d(axes), panels, strict=True):
        plot_scalp_map(tr, i, ax=ax)
        t = title if len(title) <= 50 else title[:48] + "…"
        ax.set_title(f"{t}\nstage {tr.stage(i)}", fontsize=9)
    fig.suptitle("Terminal hairs per cm² by zone (front at top), one run at the parameter medians")
    fig.tight_layout()
    return fig


def report_figures(assessment) -> dict[str, str]:
    """The report's figures as base64 PNG strings: ``fan``, ``options``, ``map``, ``forest``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    out = {"fan": _png(fan_figure(assessment)), "options": _png(options_figure(assessment))}
    fig = _map_figure(assessment)
    if fig is not None:
        out["map"] = _png(fig)
    if assessment.evidence is not None:
        from anagen.evidence import summary_forest_plot

        out["forest"] = _png(summary_forest_plot(assessment.evidence))
    return out


def icon_array_png(count: int, total: int = 100, colour: str = "#2d6cdf") -> str:
    """``count`` of ``total`` people as a 10 x 10 array of figures (filled: a visible
    improvement), base64 PNG."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.5, 1.5))
    k = np.arange(total)
    x, y = k % 10, 9 - k // 10
    on = k < count
    ax.scatter(x[on], y[on], s=42, marker="o", color=colour)
    ax.scatter(x[~on], y[~on], s=42, marker="o", facecolors="none", edgecolors="#9a9a9a", lw=0.8)
    ax.set_xlim(-0.7, 9.7)
    ax.set_ylim(-0.7, 9.7)
    ax.set_aspect("equal")
    ax.axis("off")
    return _png(fig)
