"""Figures of virtual trials: the distribution of the estimated effect, and the power curve."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from anagen.decision._trial import PowerCurve, TrialResult
from anagen.decision._trial_window import trial_evidence

# user labels ($ in a study or protocol name) are text, never math: no mathtext parsing
matplotlib.rcParams["text.parse_math"] = False

__all__ = ["plot_estimates", "plot_power"]

_FOOT = "Model-based effect sizes ({}), not trial results."


def _foot_text(spec) -> str:
    text = _FOOT.format(
        "calibrated posterior" if spec.source == "posterior" else "UNCALIBRATED priors"
    )
    ev = trial_evidence(spec)
    if ev.extrapolated(spec.compared[0], spec.follow_up_weeks):
        fu = ev.follow_up_weeks(spec.compared[0])
        limit = f"{fu:g} weeks" if fu is not None else "none for some patients"
        text += (
            f"\nEXTRAPOLATION: week {spec.follow_up_weeks:g} is past the evidence's follow-up "
            f"({limit}): the model's extrapolation."
        )
    return text


def plot_estimates(res: TrialResult) -> Figure:
    """Left: histogram of the primary estimated effect over simulated trials, significant ones
    highlighted. Right: each arm's mean outcome at every visit (band: 90 % of simulated
    trials' arm means)."""
    spec = res.spec
    e = res.estimates[:, 0, spec.primary_visit]
    ok = np.isfinite(e)
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(11, 4.2), constrained_layout=True, width_ratios=[1.2, 1]
    )
    bins = np.histogram_bin_edges(e[ok], bins="auto") if ok.any() else 10
    sig = res.significant & ok
    ax.hist(
        [e[ok & ~sig], e[sig]],
        bins=bins,
        stacked=True,
        color=["#9db4c0", "#c2512f"],
        label=[f"p >= {spec.alpha:g}", f"p < {spec.alpha:g}"],
    )
    ax.axvline(0.0, color="black", lw=0.8)
    if ok.any():
        ax.axvline(float(np.mean(e[ok])), color="#2d3142", ls="--", lw=1.2, label="mean estimate")
    a0, ctrl = spec.arms[spec.compared[0]], spec.arms[spec.control]
    ax.set_title(
        f"{a0.name} vs {ctrl.name}\n{spec.design}, n = {res.n_per_arm} per arm, "
        f"{len(e)} simulated trials: power {res.power:.2f} (MC SE {res.power_se:.3f})",
        fontsize=10,
    )
    ax.set_xlabel(f"estimated effect ({res.unit}, {spec.zone}, {spec.follow_up_weeks:g} wk)")
    ax.set_ylabel("simulated trials")
    ax.legend(frameon=False, fontsize=8)
    _foot(ax, spec)
    weeks = np.concatenate(([0.0], spec.visits_weeks))
    colours = ["#c2512f", "#2d3142", "#5b8e7d", "#9a6fb0"]
    for k, arm in enumerate(spec.arms):
        m = res.arm_means[:, k, :]
        mid = np.concatenate(([0.0], np.nanmean(m, axis=0)))
        lo = np.concatenate(([0.0], np.nanquantile(m, 0.05, axis=0)))
        hi = np.concatenate(([0.0], np.nanquantile(m, 0.95, axis=0)))
        c = colours[k % len(colours)]
        ax2.plot(weeks, mid, marker="o", color=c, lw=1.5, label=arm.name)
        ax2.fill_between(weeks, lo, hi, color=c, alpha=0.15, lw=0)
    ax2.axhline(0.0, color="black", lw=0.8)
    ax2.axvline(spec.follow_up_weeks, color="grey", ls=":", lw=1)
    fu = [e.weeks for e in trial_evidence(spec).arms if e is not None and e.weeks is not None]
    if fu and max(spec.visits_weeks) > min(fu):  # visits past an arm's evidence: shaded
        ax2.axvspan(
            min(fu), max(spec.visits_weeks), color="#a4262c", alpha=0.07, lw=0,
            label=f"past the evidence's follow-up ({min(fu):g} wk): model extrapolation",
        )  # fmt: skip
    ax2.set_xlabel("week (visits; dotted: primary visit)")
    ax2.set_ylabel(f"mean {res.unit}")
    ax2.set_title("time course per arm (band: 90 % of simulated trials)", fontsize=10)
    ax2.legend(frameon=False, fontsize=8)
    return fig


def _foot(ax, spec) -> None:
    ax.text(
        0.01, 0.98, _foot_text(spec), transform=ax.transAxes, fontsize=7, color="#555555",
        va="top", bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
    )  # fmt: skip


def plot_power(curve: PowerCurve) -> Figure:
    """Power against n per arm, with the target and the sample size."""
    split = curve.spec.design == "split-scalp"
    fig, ax = plt.subplots(figsize=(7.5, 4.2), constrained_layout=True)
    ax.plot(curve.n, curve.power, color="#2d3142", lw=1.5)
    ax.axhline(curve.target, color="#c2512f", ls="--", lw=1, label=f"target {curve.target:g}")
    ax.axhline(curve.spec.alpha, color="grey", ls=":", lw=1, label=f"alpha {curve.spec.alpha:g}")
    if curve.sample_size is not None:
        ax.axvline(curve.sample_size, color="#c2512f", lw=1)
        ax.annotate(
            f"n = {curve.sample_size} " + ("patients" if split else "per arm"),
            (curve.sample_size, curve.target),
            xytext=(6, -16),
            textcoords="offset points",
            fontsize=9,
        )
    ax.set_ylim(0, 1)
    ax.set_xlabel("patients (both halves)" if split else "patients per arm")
    ax.set_ylabel("power (share of simulated trials with p < alpha)")
    ax.set_title(
        f"{curve.spec.name}\n{curve.spec.trials} simulated trials per n from "
        f"{curve.pool_size} simulated patients; MC SE at the answer {curve.se_at_answer:.3f}",
        fontsize=10,
    )
    ax.legend(frameon=False, fontsize=8, loc="center right")
    _foot(ax, curve.spec)
    return fig
