"""Figures: a treated-vs-untreated model run at the prior medians, and a protocol's stages.

Each function draws on a new figure and returns it (save with ``fig.savefig``); every figure
carries a footer saying what the numbers are (a person's predictions: ``anagen assess``).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from anagen.scalp import ZONE_NAMES
from anagen.therapy.pipeline import ProtocolRun
from anagen.therapy.simulate import STATUS_NOTE, TreatmentRun

# user labels ($ in a study or protocol name) are text, never math: no mathtext parsing
matplotlib.rcParams["text.parse_math"] = False

__all__ = ["plot_protocol", "plot_run"]


def _footer(fig: Figure) -> None:
    fig.text(
        0.5, 0.005, STATUS_NOTE, ha="center", va="bottom", fontsize=7, color="#555555", wrap=True
    )


def plot_run(run: TreatmentRun, session_days: tuple[float, ...] = ()) -> Figure:
    """Density per zone over time, treated (prior medians, and the prior band if the run has
    draws) vs untreated, one panel per zone."""
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.2), sharex=True, sharey=True)
    years = run.t_days / 365.25
    band = run.effect_band()
    for ax, (i, zone) in zip(axes.ravel(), enumerate(run.zone_names), strict=True):
        if band is not None:
            ax.fill_between(
                years,
                run.untreated[:, i] + band[0][:, i],
                run.untreated[:, i] + band[1][:, i],
                color="#1971c2",
                alpha=0.18,
                lw=0,
                label=f"90 % prior band ({len(run.effect_draws)} draws)",
            )
        ax.plot(years, run.untreated[:, i], color="#868e96", lw=1.5, label="untreated")
        ax.plot(years, run.treated[:, i], color="#1971c2", lw=1.8, label="treated")
        for d in session_days:
            ax.axvline(d / 365.25, color="#1971c2", alpha=0.25, lw=0.8)
        ax.set_title(zone.replace("_", " "), fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("hairs per cm²")
    for ax in axes[-1, :]:
        ax.set_xlabel("years from first treatment")
    axes[0, 0].legend(fontsize=8, loc="lower left")
    fig.suptitle(f"{run.name}: scalp density, treated vs untreated (model)", fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    _footer(fig)
    return fig


def plot_protocol(run: ProtocolRun, days_after: float = 365.0) -> Figure:
    """The protocol's stages: coverage map per zone and growth-factor response over time."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 1.6]})
    cov = run.inject.coverage_map()
    ax1.bar(
        [z.replace("_", "\n") for z in ZONE_NAMES], [cov[z] for z in ZONE_NAMES], color="#1971c2"
    )
    ax1.set_ylim(0, 1)
    ax1.set_ylabel("share of zone injected")
    ax1.set_title("coverage map")
    t = np.linspace(0.0, (run.session_days[-1] if run.session_days else 0) + days_after, 400)
    curve = run.exposure_curve(t)
    treated = [ZONE_NAMES.index(z.zone) for z in run.inject.zones]
    ax2.plot(
        t,
        curve["exposure"][:, treated[0]],
        color="#e67700",
        label="relative exposure (x reference dose)",
    )
    ax2.plot(
        t,
        curve["response"][:, treated[0]],
        color="#1971c2",
        label="response r = E^n / (EC50^n + E^n)",
    )
    for d in run.session_days:
        ax2.axvline(d, color="grey", alpha=0.3)
    ax2.set_xlabel("days from first session")
    ax2.set_title("growth-factor exposure and response in the injected area (prior medians)")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.suptitle(run.protocol.name, fontsize=12)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    _footer(fig)
    return fig
