"""Figures of the calibration checks: posterior predictive check per study, time courses."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["plot_ppc", "plot_time_courses"]

_UNIT = {
    "MD": "treated - control, hairs/cm2",
    "MD_pct": "treated - control, % points",
    "MD_pct_mean": "treated - control, % of mean baseline",
    "within": "treated arm change, hairs/cm2",
    "within_pct": "treated arm change, % of baseline",
}


def plot_ppc(ppc: pd.DataFrame) -> Figure:
    """Each study row: reported value (80 % CI: +/- 1.28 SE), posterior predictive 80 % band
    and median, prior predictive 80 % band."""
    n = len(ppc)
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * n + 1.6), constrained_layout=True)
    y = np.arange(n)[::-1]
    for k, r in enumerate(ppc.itertuples()):
        ax.plot([r.prior_lo80, r.prior_hi80], [y[k], y[k]], color="#d9d9d9", lw=7, zorder=1)
        ax.plot([r.post_lo80, r.post_hi80], [y[k], y[k]], color="#9db4c0", lw=7, zorder=2)
        ax.plot(r.post_median, y[k], "|", color="#2d3142", ms=12, zorder=3)
        ax.errorbar(
            r.reported, y[k], xerr=1.2816 * r.se, fmt="o", color="#c2512f", ms=5, zorder=4,
            capsize=2,
        )  # fmt: skip
    ax.set_yticks(y, [f"{r.study_id} ({r.block})" for r in ppc.itertuples()], fontsize=8)
    ax.axvline(0.0, color="black", lw=0.6)
    ax.set_xlabel("effect on the study's scale (hairs/cm2 or % points)")
    inside = int(ppc["inside80"].sum())
    ax.set_title(
        "Posterior predictive check: reported (red, 80 % CI)\nvs posterior (blue) and prior "
        f"(grey) predictive 80 % bands; {inside} of {n} inside the posterior band",
        fontsize=9,
    )
    return fig


def plot_time_courses(tc: pd.DataFrame) -> Figure:
    """One panel per study: the simulated effect over weeks (median, 80 % band over accepted
    draws) and the reported value(s) at the visit(s) with 80 % CIs."""
    studies = list(dict.fromkeys(tc["study"]))
    ncol = 4
    nrow = math.ceil(len(studies) / ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(3.2 * ncol, 2.5 * nrow), constrained_layout=True, squeeze=False
    )
    for ax, st in zip(axes.flat, studies, strict=False):
        d = tc[tc["study"] == st]
        sim = d[d["median"].notna()].sort_values("week")
        rep = d[d["reported"].notna()]
        w = np.concatenate(([0.0], sim["week"]))
        ax.fill_between(
            w, np.concatenate(([0.0], sim["lo80"])), np.concatenate(([0.0], sim["hi80"])),
            color="#9db4c0", alpha=0.5, lw=0,
        )  # fmt: skip
        ax.plot(w, np.concatenate(([0.0], sim["median"])), color="#2d3142", lw=1.4)
        ax.errorbar(
            rep["week"], rep["reported"], yerr=1.2816 * rep["se"], fmt="o", color="#c2512f",
            ms=4, capsize=2,
        )  # fmt: skip
        ax.axhline(0.0, color="black", lw=0.5)
        ax.set_title(f"{st} ({d['block'].iloc[0]})", fontsize=8)
        ax.set_xlabel("week", fontsize=7)
        ax.set_ylabel(_UNIT.get(str(d["measure"].iloc[0]), ""), fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(studies) :]:
        ax.axis("off")
    fig.suptitle(
        "Model (median, 80 % band over accepted posterior draws) vs reported visits (80 % CI)",
        fontsize=9,
    )
    return fig
