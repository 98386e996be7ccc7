"""Figures of a scalp trajectory: phase fractions, densities over time, and a scalp map."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from anagen.scalp._modulation import ZONE_NAMES
from anagen.scalp.trajectory import PHASES, ScalpTrajectory

# user labels ($ in a study or protocol name) are text, never math: no mathtext parsing
matplotlib.rcParams["text.parse_math"] = False

__all__ = ["plot_densities", "plot_fractions", "plot_scalp_map", "plot_trajectory", "zone_map"]

_DAYS_PER_YEAR = 365.25
_COLOURS = ("tab:green", "tab:orange", "tab:red", "tab:grey")


def _years(traj: ScalpTrajectory) -> np.ndarray:
    return traj.t_days / _DAYS_PER_YEAR


def plot_fractions(traj: ScalpTrajectory, ax: Axes | None = None) -> Axes:
    """Whole-scalp fraction of living follicles in each phase over time."""
    ax = ax or plt.figure().add_subplot()
    for name, colour in zip(PHASES[:4], _COLOURS, strict=True):
        ax.plot(_years(traj), 100 * traj.fractions[name], label=name, color=colour)
    ax.set_xlabel("years")
    ax.set_ylabel("% of living follicles")
    ax.set_ylim(0, 100)
    ax.set_title(f"Phase fractions ({traj.engine})")
    ax.legend(loc="center right", fontsize="small")
    return ax


def plot_densities(traj: ScalpTrajectory, ax: Axes | None = None) -> Axes:
    """Terminal (solid) and vellus (dotted) hairs per cm² in each zone over time."""
    ax = ax or plt.figure().add_subplot()
    cmap = plt.get_cmap("tab10")
    for j, name in enumerate(traj.zone_names):
        ax.plot(_years(traj), traj.terminal_density_per_cm2[:, j], color=cmap(j), label=name)
        ax.plot(_years(traj), traj.vellus_density_per_cm2[:, j], color=cmap(j), ls=":")
    ax.set_xlabel("years")
    ax.set_ylabel("hairs / cm² (solid terminal, dotted vellus)")
    ax.set_ylim(bottom=0)
    ax.set_title("Density by zone")
    ax.legend(fontsize="small", ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    return ax


def zone_map(n: int = 241) -> tuple[np.ndarray, np.ndarray]:
    """A schematic top view of the scalp: zone index per pixel (-1 outside), and the mask.

    Front of the head at the top. The geometry is a drawing aid, not a measured map.
    """
    x = np.linspace(-1.0, 1.0, n)
    y = np.linspace(-1.25, 1.25, int(n * 1.25))
    X, Y = np.meshgrid(x, y)
    inside = (X / 1.0) ** 2 + (Y / 1.25) ** 2 <= 1.0
    z = np.full(X.shape, -1, dtype=int)
    ax = np.abs(X)
    idx = {name: i for i, name in enumerate(ZONE_NAMES)}
    z[(Y > 0.55) & (ax < 0.42)] = idx["frontal"]
    z[(Y > 0.3) & (ax >= 0.42)] = idx["temporal"]
    z[(Y <= 0.55) & (Y > -0.1) & (ax < 0.42)] = idx["mid_scalp"]
    z[(Y <= -0.1) & (Y > -0.65) & (ax < 0.42)] = idx["vertex"]
    z[(Y <= 0.3) & (Y > -0.65) & (ax >= 0.42)] = idx["parietal"]
    z[Y <= -0.65] = idx["occipital"]
    z[~inside] = -1
    return z, inside


def plot_scalp_map(traj: ScalpTrajectory, index: int = -1, ax: Axes | None = None) -> Axes:
    """Zones coloured by terminal hairs per cm² at sample ``index`` (schematic top view)."""
    ax = ax or plt.figure().add_subplot()
    z, inside = zone_map()
    dens = traj.terminal_density_per_cm2[index]
    img = np.where(inside, dens[np.maximum(z, 0)], np.nan)
    vmax = float(np.max(traj.baseline_density_per_cm2)) * 1.05
    im = ax.imshow(
        img, origin="lower", cmap="viridis", vmin=0, vmax=vmax, extent=(-1, 1, -1.25, 1.25)
    )
    xs_axis = np.linspace(-1.0, 1.0, z.shape[1])
    ys_axis = np.linspace(-1.25, 1.25, z.shape[0])
    for j, name in enumerate(ZONE_NAMES):
        ys, xs = np.nonzero(z == j)
        right = xs_axis[xs] > 0.0
        if name in ("temporal", "parietal"):  # two patches: label the right-hand one
            ys, xs = ys[right], xs[right]
        if xs.size:
            ax.text(
                xs_axis[int(np.median(xs))],
                ys_axis[int(np.median(ys))],
                f"{name}\n{dens[j]:.0f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white",
            )
    ax.set_axis_off()
    ax.set_title(
        f"Terminal hairs/cm² (front at top), year {traj.t_days[index] / _DAYS_PER_YEAR:.1f} — stage {traj.stage(index)}"
    )
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def plot_trajectory(traj: ScalpTrajectory, path: str | Path | None = None) -> Figure:
    """Three panels (fractions, densities, scalp map); saved to ``path`` if given."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), gridspec_kw={"width_ratios": [1.1, 1.3, 0.9]})
    plot_fractions(traj, axes[0])
    plot_densities(traj, axes[1])
    plot_scalp_map(traj, -1, axes[2])
    fig.tight_layout()
    if path is not None:
        from anagen._io import save_figure

        save_figure(fig, path, dpi=110)
        plt.close(fig)
    return fig
