"""Regenerate the figures and numbers of docs/scalp.md: ``python docs/scalp_figures.py``.

Fixed seeds throughout; prints the numbers quoted in the text.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from anagen.scalp import (
    default_params,
    initial_scalp,
    params_from_dict,
    scalp_stage,
    simulate,
    stages_for,
)
from anagen.scalp.meanfield import halloy2002
from anagen.scalp.phototrichogram import phototrichogram
from anagen.scalp.plots import plot_trajectory
from anagen.scalp.staging import stage_timeline

IMG = Path(__file__).resolve().parent / "img"
MONTH = 365.25 / 12


def calibration(params) -> None:
    traj = simulate(
        params, initial_scalp(params, n_follicles=100_000, seed=1), years=10, every=30, seed=2
    )
    y = traj.t_days / 365.25
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    ax[0].axhspan(85, 90, color="tab:green", alpha=0.15, label="anagen 85–90 % [S20]")
    ax[0].axhspan(10, 15, color="tab:red", alpha=0.15, label="telogen 10–15 % [S20]")
    for p, c in (
        ("anagen", "tab:green"),
        ("telogen", "tab:red"),
        ("latency", "tab:grey"),
        ("catagen", "tab:orange"),
    ):
        ax[0].plot(y, 100 * traj.fractions[p], color=c, label=f"simulated {p}")
    ax[0].set(
        xlabel="years",
        ylabel="% of follicles",
        title="Normal scalp, 100,000 follicles, equilibrium start",
    )
    ax[0].legend(fontsize=7, ncol=2)
    ax[1].axhspan(175, 300, color="tab:blue", alpha=0.1, label="Barman 1965 range 175–300 [S27]")
    ax[1].axhline(223, color="k", ls="--", label="Barman 1965 mean 223")
    ax[1].plot(y, traj.scalp_density_per_cm2, label="simulated hairs/cm²")
    ax[1].set(xlabel="years", ylabel="hairs / cm²", ylim=(150, 320), title="Density")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "scalp_calibration.png", dpi=100)
    f = {k: float(v.mean()) for k, v in traj.fractions.items()}
    print(
        "normal scalp (10-y mean):",
        {k: round(100 * v, 2) for k, v in f.items()},
        "density",
        round(float(traj.scalp_density_per_cm2.mean()), 1),
        "A:T",
        round(f["anagen"] / (f["catagen"] + f["telogen"]), 2),
        "shed/day",
        round(float(np.nanmean(traj.shedding_per_day.sum(axis=1))), 1),
    )


def halloy(params) -> None:
    d = params.to_dict()
    d["cycle"].update(
        distribution="exponential",
        anagen_mean_days=3.6 * MONTH,
        catagen_days=0.0,
        telogen_mean_days=2.4 * MONTH,
        latency_mean_days=2.0 * MONTH,
    )
    p = params_from_dict(d)
    t_mo = np.linspace(0, 36, 145)
    ref = halloy2002(t_mo)
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for n, c in ((100, "tab:orange"), (1000, "tab:blue"), (10000, "tab:green")):
        tr = simulate(
            p,
            initial_scalp(p, n_follicles=n, seed=n, start="anagen"),
            days=36 * MONTH,
            every=MONTH / 4,
            seed=n + 1,
        )
        ax[0].plot(
            tr.t_days / MONTH, tr.fractions["anagen"], color=c, lw=0.8, label=f"stochastic N={n}"
        )
    ode = halloy2002(t_mo, a0=1.0, t0=0.0, l0=0.0)
    ax[0].plot(t_mo, ode["anagen"], "k--", label="Halloy 2002 ODE")
    ax[0].axhline(0.45, color="grey", lw=0.5)
    ax[0].set(
        xlabel="months",
        ylabel="anagen fraction",
        title="Exponential durations (2002 set), all in anagen at 0",
    )
    ax[0].legend(fontsize=7)
    for cv, c in ((1.0, "k"), (0.5, "tab:blue"), (0.2, "tab:red")):
        d2 = params.to_dict()
        d2["cycle"].update(
            distribution="gamma",
            anagen_mean_days=3.6 * MONTH,
            catagen_days=0.0,
            telogen_mean_days=2.4 * MONTH,
            latency_mean_days=2.0 * MONTH,
            anagen_cv=cv,
            telogen_cv=cv,
            latency_cv=cv,
        )
        p2 = params_from_dict(d2)
        tr = simulate(
            p2,
            initial_scalp(p2, n_follicles=20000, seed=3, start="anagen"),
            days=36 * MONTH,
            every=MONTH / 4,
            seed=4,
        )
        ax[1].plot(
            tr.t_days / MONTH, tr.fractions["anagen"], color=c, lw=0.9, label=f"gamma CV {cv}"
        )
    ax[1].set(
        xlabel="months",
        ylabel="anagen fraction",
        title="Synchronised start: smaller CV, longer oscillation",
    )
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "scalp_halloy2002.png", dpi=100)
    print("Halloy 2002 ODE at 36 months:", {k: round(float(v[-1]), 4) for k, v in ref.items()})


def progression(params) -> None:
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for k, sex in enumerate("MF"):
        years, idx = stage_timeline(params, sex)
        names = stages_for(sex)
        ax[k].step(years, idx, where="post")
        ax[k].set_yticks(range(len(names)), names)
        ax[k].set(
            xlabel="years since onset of pattern hair loss",
            title=f"Reference progression ({'Norwood–Hamilton' if sex == 'M' else 'Ludwig'})",
        )
        print(
            sex,
            "stage entry (years):",
            {
                names[j]: round(float(years[np.argmax(idx >= j)]), 1)
                for j in range(len(names))
                if (idx >= j).any()
            },
        )
    fig.tight_layout()
    fig.savefig(IMG / "scalp_progression.png", dpi=100)


def prevalence(params, n_people: int = 300) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for sex, colour in (("M", "tab:blue"), ("F", "tab:red")):
        order = stages_for(sex)
        aff = (
            params.staging.affected_stage_female
            if sex == "F"
            else params.staging.affected_stage_male
        )
        ages = (30, 40, 50, 60, 70)
        sim, vi = [], []
        for a in ages:
            seeds = np.random.SeedSequence(1000 * a + (sex == "F")).spawn(n_people)
            st = [
                scalp_stage(params, initial_scalp(params, age=a, sex=sex, n_follicles=1500, seed=s))
                for s in seeds
            ]
            sim.append(np.mean([order.index(s) >= order.index(aff) for s in st]))
            vi.append(np.mean([s in ("VI", "VII") for s in st]))
        tab = params.prevalence(sex)
        ax.plot(
            tab.age_years,
            100 * np.array(tab.fraction),
            "o--",
            color=colour,
            label=f"{'men [S54]' if sex == 'M' else 'women [S55]'} (table)",
        )
        se = 100 * np.sqrt(np.array(sim) * (1 - np.array(sim)) / n_people)
        ax.errorbar(
            ages,
            100 * np.array(sim),
            yerr=2 * se,
            fmt="s",
            color=colour,
            capsize=3,
            label=f"simulated ({n_people} people/age, ±2 SE)",
        )
        print(
            sex,
            "simulated % affected by age",
            dict(zip(ages, np.round(100 * np.array(sim), 1), strict=True)),
        )
        if sex == "M":
            print(
                "men Norwood VI-VII by age",
                dict(zip(ages, np.round(100 * np.array(vi), 1), strict=True)),
            )
    ax.set(
        xlabel="age (years)", ylabel="% affected", title="Prevalence of pattern hair loss by age"
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "scalp_prevalence.png", dpi=100)


def vertex_check(params) -> None:
    for stage in ("III", "IIIv", "IV"):
        st = initial_scalp(params, age=30, sex="M", stage=stage, n_follicles=60_000, seed=5)
        tr = simulate(params, st, days=30, every=30, seed=6)
        v = 2
        r = phototrichogram(tr, params, zone="vertex", index=0, seed=7, noise=False)
        print(
            f"stage {stage} vertex: density {tr.density_per_cm2[0, v]:.0f}/cm², anagen {tr.anagen_percent[0, v]:.1f} %, "
            f"A:T {tr.anagen_telogen_ratio[0, v]:.2f}; one 1 cm² phototrichogram: {r.total_hairs:.0f} hairs, "
            f"anagen {r.anagen_percent:.0f} %; scalp shedding {tr.shedding_per_day[1].sum():.0f}/day"
        )


def example(params) -> None:
    st = initial_scalp(params, age=45, sex="M", stage="III", n_follicles=100_000, seed=1)
    plot_trajectory(simulate(params, st, years=5, every=30, seed=2), IMG / "scalp_example.png")


if __name__ == "__main__":
    params = default_params()
    calibration(params)
    halloy(params)
    progression(params)
    vertex_check(params)
    prevalence(params)
    example(params)
