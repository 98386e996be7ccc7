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


#: Survey figures for stage bands by age (men: Norwood-Hamilton; women: Ludwig).
SURVEYS = [
    ("M", "III+", (18, 29), 16.0, "Rhodes 1998 [RHODES98], community, n = 1390"),
    ("M", "III+", (40, 49), 53.0, "Rhodes 1998 [RHODES98]"),
    ("M", "III+", (30, 30), 30.0, "BMJ Best Practice [S54]"),
    ("M", "III+", (50, 50), 50.0, "BMJ Best Practice [S54]"),
    ("M", "III+", (70, 70), 80.0, "BMJ Best Practice [S54]"),
    ("M", "VI+", (70, 70), 55.0, "50-60 % [S55]"),
    ("M", "V+", (80, 85), 73.5, "mid-frontal loss, men >= 80, Gan & Sinclair 2005 [GAN05]"),
    ("F", "I+", (25, 29), 4.5, "3-6 % under 30 [S55]"),
    ("F", "I+", (70, 75), 35.5, "29-42 % at >= 70 [S55]"),
    ("F", "I+", (80, 85), 57.0, "mid-frontal loss, women >= 80, Gan & Sinclair 2005 [GAN05]"),
]


def stage_bands(params, n_people: int = 200) -> None:
    """Share of each stage band by age, simulated, next to the surveys (table for the docs)."""
    bands = {"M": {"III+": "III", "V+": "V", "VI+": "VI"}, "F": {"I+": "I", "II+": "II"}}
    ages = (20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80)
    share = {}
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for k, sex in enumerate("MF"):
        order = stages_for(sex)
        rows = {b: [] for b in bands[sex]}
        for a in ages:
            seeds = np.random.SeedSequence(7000 + 10 * a + (sex == "F")).spawn(n_people)
            st = [
                order.index(
                    scalp_stage(
                        params, initial_scalp(params, age=a, sex=sex, n_follicles=1500, seed=s)
                    )
                )
                for s in seeds
            ]
            for b, first in bands[sex].items():
                rows[b].append(100 * np.mean(np.array(st) >= order.index(first)))
        for b, v in rows.items():
            share[(sex, b)] = dict(zip(ages, v, strict=True))
            ax[k].plot(ages, v, "o-", label=f"model {b}")
        for sx, b, (lo, hi), pct, _src in SURVEYS:
            if sx == sex:
                ax[k].plot(
                    [lo, hi] if hi > lo else [lo],
                    [pct, pct] if hi > lo else [pct],
                    "k|-" if hi > lo else "kD",
                    ms=8,
                )
                ax[k].annotate(b, (lo, pct), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax[k].set(
            xlabel="age (years)",
            ylabel="% of people at or beyond the stage",
            title=("Men (Norwood-Hamilton)" if sex == "M" else "Women (Ludwig)")
            + f": {n_people} simulated per age; black = surveys",
        )
        ax[k].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "scalp_stage_bands.png", dpi=100)
    # the table: people of the survey's ages (uniform over its band; a point: that age)
    n_people *= 3
    print(f"{n_people} simulated people per survey row:")
    print("| Sex | Band | Age | Survey | Source | Model (± 2 SE) |")
    print("|---|---|---|---|---|---|")
    for i, (sx, b, (lo, hi), pct, src) in enumerate(SURVEYS):
        order = stages_for(sx)
        ss = np.random.SeedSequence(9000 + i)
        age_rng = np.random.default_rng(ss.spawn(1)[0])
        people = ss.spawn(n_people)
        ages_i = age_rng.uniform(lo, hi + 1, n_people) if hi > lo else np.full(n_people, lo)
        at = [
            order.index(
                scalp_stage(params, initial_scalp(params, age=a, sex=sx, n_follicles=1500, seed=s))
            )
            for a, s in zip(ages_i, people, strict=True)
        ]
        m = 100 * float(np.mean(np.array(at) >= order.index(bands[sx][b])))
        se = np.sqrt(m * (100 - m) / n_people)
        print(f"| {sx} | {b} | {lo}-{hi} | {pct:.1f} % | {src} | {m:.1f} % (± {2 * se:.1f}) |")
    for key, v in share.items():
        print(key, {a: round(x, 1) for a, x in v.items()})


def untreated_by_stage(params, n_people: int = 40) -> None:
    """Untreated 1-year change of a re-found target area, by stage (table for the docs)."""
    from anagen.scalp import target_area_counts

    print("| Sex | Stage | Zone | Baseline terminal /cm² | Change in 1 year /cm² | % per year |")
    print("|---|---|---|---|---|---|")
    for sex, stages, zone in (
        ("M", ("II", "III", "IIIv", "IV", "V", "VI"), "vertex"),
        ("F", ("I", "II", "III"), "mid_scalp"),
    ):
        for stage in stages:
            r = []
            for s in np.random.SeedSequence(31).spawn(n_people):
                a, b = s.spawn(2)
                st = initial_scalp(params, age=45.0, sex=sex, stage=stage, n_follicles=6000, seed=a)
                kw = dict(zone=zone, visit_days=[0.0, 365.25], seed=b, noise=False)
                r.append(target_area_counts(params, st, **kw).true_terminal_per_cm2)
            r = np.mean(r, axis=0)
            print(
                f"| {sex} | {stage} | {zone} | {r[0]:.0f} | {r[1] - r[0]:+.1f} | "
                f"{100 * (r[1] / r[0] - 1):+.1f} % |"
            )


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


def kinetics(params) -> None:
    """Measured outcome, fading and untreated course of a re-found vertex area (issue 8)."""
    from dataclasses import replace

    from anagen.scalp import target_area_counts
    from anagen.scalp.placebo import DEFAULT_PLACEBO, placebo_change
    from anagen.therapy.regenerate import DEFAULT_PRIORS, regenerate

    # 1. per-patient SD of the 48-week change (and r between visits), re-found vs not
    ch = {True: [], False: []}
    for i, s in enumerate(np.random.SeedSequence(7).spawn(150)):
        a, b = s.spawn(2)
        st = initial_scalp(
            params, age=40.0, sex="M", stage=("III", "V")[i % 2], n_follicles=8000, seed=a
        )
        for rf in (True, False):
            r = target_area_counts(
                params, st, zone="vertex", visit_days=[0, 336], seed=b, refound=rf
            )
            ch[rf].append(r.terminal_per_cm2)
    for rf in (True, False):
        x = np.array(ch[rf])
        print(
            f"SD of 48-wk change, refound={rf}: {np.std(x[:, 1] - x[:, 0], ddof=1):.1f} hairs/cm2,"
            f" r between visits {np.corrcoef(x.T)[0, 1]:.2f}"
        )
    # 2. one regenerative session: treated - untreated twin, vs Kuka 2020 (NH3 low dose)
    wk = np.array([0, 6, 12, 24, 52, 104.0])
    fig, axs = plt.subplots(2, 2, figsize=(12, 8))
    ax = axs.ravel()
    for fade in (15.0, 60.0, 240.0):
        rp = replace(DEFAULT_PRIORS.median(), fade_days=fade)
        mod = regenerate([0.0], np.ones(6), np.ones(6), rp, horizon_days=wk[-1] * 7)
        d, u = [], []
        for s in np.random.SeedSequence(5).spawn(80):
            a, b = s.spawn(2)
            st = initial_scalp(params, age=35.0, sex="M", stage="III", n_follicles=8000, seed=a)
            kw = dict(zone="vertex", visit_days=wk * 7, seed=b, noise=False)
            t = target_area_counts(params, st, modulation=mod, **kw).true_terminal_per_cm2
            n = target_area_counts(params, st, **kw).true_terminal_per_cm2
            d.append(t - n)
            u.append(n - n[0])
        d = np.mean(d, axis=0)
        print(f"fade {fade:>5.0f} d: treated - untreated at weeks {wk.tolist()}: {np.round(d, 1)}")
        ax[0].plot(wk, d, marker="o", label=f"model, fade_days {fade:.0f} (prior median 60)")
    kuka = [13.90, 11.75, 16.56, 2.78]
    ax[0].plot([6, 12, 24, 52], kuka, "ks--", label="Kuka 2020 NH3 low dose (arm change)")
    ax[0].set(
        xlabel="weeks after one session",
        ylabel="terminal hairs/cm²",
        title="Fading of one regenerative session",
    )
    ax[0].legend(fontsize=7)
    # 3. untreated course vs the placebo arms of long trials, and the placebo component
    wk3 = np.array([0, 6, 12, 24, 52, 104, 192, 260.0])
    un = {}
    for sex, stages, zone in (("M", ("III", "V"), "vertex"), ("F", ("I", "II"), "mid_scalp")):
        r = []
        for i, s in enumerate(np.random.SeedSequence(3).spawn(60)):
            a, b = s.spawn(2)
            st = initial_scalp(
                params, age=45.0, sex=sex, stage=stages[i % 2], n_follicles=6000, seed=a
            )
            kw = dict(zone=zone, visit_days=wk3 * 7, seed=b, noise=False)
            r.append(target_area_counts(params, st, **kw).true_terminal_per_cm2)
        r = np.mean(r, axis=0)
        un[sex] = r
        pct = 100 * (r / r[0] - 1)
        print(
            f"untreated {sex} {zone}: baseline {r[0]:.0f}/cm2, % change at weeks {wk3.tolist()}: "
            f"{np.round(pct, 1)}; per year (first 52 wk) {r[4] - r[0]:.1f}/cm2"
        )
        ax[1].plot(
            wk3,
            pct,
            "o-",
            label=f"model untreated, {'NH III/V vertex' if sex == 'M' else 'Ludwig I/II mid-scalp'}",
        )
    ax[1].plot([0, 192], [0, -13.0], "ks--", label="men, placebo arm, -13.0 % at 192 wk [PRICE06]")
    ax[1].plot([0, 260], [0, -26.3], "kD:", label="men, placebo arms, -26.3 % at 5 years [KAUF08]")
    ax[1].plot(
        wk3,
        100 * placebo_change(wk3 * 7, DEFAULT_PLACEBO) / un["M"][0],
        "g:",
        label="placebo component (% of the men's baseline)",
    )
    ax[1].set(
        xlabel="weeks",
        ylabel="% change of target-area terminal count",
        title="Untreated course and placebo response",
    )
    ax[1].legend(fontsize=7)
    # 4. minoxidil 5 % used for 96 weeks then stopped [PRICE99]
    from anagen.therapy.treatments import Minoxidil

    mw = np.array([0, 24, 48, 96, 102, 108, 120, 144.0])
    mod = Minoxidil(strength_percent=5.0, stop_day=96 * 7).modulation(mw[-1] * 7)
    d = []
    for s in np.random.SeedSequence(9).spawn(60):
        a, b = s.spawn(2)
        st = initial_scalp(params, age=35.0, sex="M", stage="III", n_follicles=8000, seed=a)
        kw = dict(zone="vertex", visit_days=mw * 7, seed=b, noise=False)
        t = target_area_counts(params, st, modulation=mod, **kw).true_terminal_per_cm2
        n = target_area_counts(params, st, **kw).true_terminal_per_cm2
        d.append(t - n)
    d = np.mean(d, axis=0)
    print(
        f"minoxidil 5 % stopped at 96 wk: treated - untreated at weeks {mw.tolist()}: {np.round(d, 1)}"
    )
    ax[2].plot(mw, d, "o-", label="model, minoxidil 5 % (prior medians), stopped at week 96")
    ax[2].axvline(96, color="grey", ls=":")
    ax[2].plot([120], [0], "kD", label="back to placebo level 24 wk after stopping [PRICE99]")
    ax[2].set(
        xlabel="weeks",
        ylabel="treated - untreated, terminal hairs/cm²",
        title="Minoxidil: effect while used, fading after stopping",
    )
    ax[2].legend(fontsize=7)
    # 5. finasteride 1 mg used for 192 weeks [KAU98][PRICE06]
    from anagen.therapy.treatments import Finasteride

    fw = np.array([0, 24, 48, 96, 144, 192.0])
    mod = Finasteride().modulation(fw[-1] * 7)
    d, base = [], []
    for s in np.random.SeedSequence(13).spawn(60):
        a, b = s.spawn(2)
        st = initial_scalp(
            params, age=30.0, sex="M", stage=("III", "V")[len(d) % 2], n_follicles=8000, seed=a
        )
        kw = dict(zone="vertex", visit_days=fw * 7, seed=b, noise=False)
        t = target_area_counts(params, st, modulation=mod, **kw).true_terminal_per_cm2
        n = target_area_counts(params, st, **kw).true_terminal_per_cm2
        d.append(t - n)
        base.append(n[0])
    pct = 100 * np.mean(d, axis=0) / np.mean(base)
    print(
        f"finasteride 1 mg: treated - untreated (% of baseline) at weeks {fw.tolist()}: {np.round(pct, 1)}"
    )
    ax[3].plot(fw, pct, "o-", label="model, finasteride 1 mg (prior medians), NH III/V vertex")
    ax[3].plot(
        [48, 96],
        [100 * 107 / 876, 100 * 138 / 876],
        "ks",
        label="vs placebo, 1 and 2 years [KAU98]",
    )
    ax[3].plot([192], [7.2 + 13.0], "kD", label="vs placebo, 192 weeks [PRICE06]")
    ax[3].set(
        xlabel="weeks",
        ylabel="treated - untreated, % of baseline count",
        title="Finasteride: effect while used",
    )
    ax[3].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "scalp_kinetics.png", dpi=100)


def placebo(params, n_people: int = 60) -> None:
    """Model placebo arm (untreated course + placebo response) vs the trials' placebo arms."""
    from anagen.scalp import target_area_counts
    from anagen.scalp.placebo import DEFAULT_PLACEBO, PlaceboResponse, placebo_change

    wk = np.array([0, 16, 24, 26, 48, 52, 104, 144, 192, 260.0])
    held = PlaceboResponse(DEFAULT_PLACEBO.slope_per_cm2_per_day, DEFAULT_PLACEBO.until_days)
    un = {}
    for sex, stages, zone in (("M", ("III", "V"), "vertex"), ("F", ("I", "II"), "mid_scalp")):
        r = []
        for i, s in enumerate(np.random.SeedSequence(3).spawn(n_people)):
            a, b = s.spawn(2)
            st = initial_scalp(
                params, age=45.0, sex=sex, stage=stages[i % 2], n_follicles=6000, seed=a
            )
            kw = dict(zone=zone, visit_days=wk * 7, seed=b, noise=False)
            r.append(target_area_counts(params, st, **kw).true_terminal_per_cm2)
        un[sex] = np.mean(r, axis=0) - np.mean(r, axis=0)[0]  # hairs/cm² change
        un[sex + "0"] = np.mean(r, axis=0)[0]
    g = placebo_change(wk * 7, DEFAULT_PLACEBO)
    # (source, sex, weeks, placebo arm's change, unit): curated rows and abstracts
    src = [
        ("[T03] Olsen 2007, men", "M", 16, 4.7, "/cm²"),
        ("[T07] Tsuboi 2007, women", "F", 24, 2.03, "/cm²"),
        ("[T04] Berger 2003, men", "M", 26, -0.58, "/cm²"),
        ("[T01] Olsen 2002, men", "M", 48, 3.9, "/cm²"),
        ("[T05] Lucky 2004, women", "F", 48, 9.4, "/cm²"),
        ("[KAU98] 1 year, men", "M", 52, None, "%"),
        ("[KAU98] 2 years, men", "M", 104, None, "%"),
        ("[PRICE06] men", "M", 192, -13.0, "%"),
        ("[KAUF08] men", "M", 260, -26.3, "%"),
    ]
    print(
        "| source placebo arm | week | source | model placebo arm | model untreated | placebo component |"
    )
    print("|---|---|---|---|---|---|")
    for name, sex, w, v, unit in src:
        i = int(np.flatnonzero(wk == w)[0])
        u, b = un[sex][i], un[sex + "0"]
        scale, pct = (100.0 / b, " %") if unit == "%" else (1.0, "")

        def fmt(x, scale=scale, pct=pct):
            return f"{scale * x:+.1f}{pct}"

        shown = (
            "progressive loss (no count)" if v is None else f"{v:+.1f}{' %' if unit == '%' else ''}"
        )
        print(f"| {name} | {w} | {shown} | **{fmt(u + g[i])}** | {fmt(u)} | {fmt(g[i])} |")
    print(f"model baselines: men {un['M0']:.0f}, women {un['F0']:.0f} hairs/cm²")
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.5))
    for sex, lab in (("M", "men NH III/V vertex"), ("F", "women Ludwig I/II mid-scalp")):
        ax[0].plot(wk[:6], (un[sex] + g)[:6], "o-", label=f"model placebo arm, {lab}")
    for name, sex, w, v, _ in src[:5]:
        ax[0].plot([w], [v], "ks" if sex == "M" else "k^")
        ax[0].annotate(name.split("]")[0] + "]", (w, v), fontsize=7, xytext=(3, 3),
                       textcoords="offset points")  # fmt: skip
    ax[0].plot(wk[:6], g[:6], "g:", label="placebo component")
    ax[0].axhline(0, color="grey", lw=0.5)
    ax[0].set(xlabel="weeks", ylabel="change, terminal hairs/cm²",
              title="Short placebo arms (squares men, triangles women)")  # fmt: skip
    ax[0].legend(fontsize=7)
    b = un["M0"]
    ax[1].plot(wk, 100 * un["M"] / b, "o-", label="model untreated (no placebo)")
    ax[1].plot(wk, 100 * (un["M"] + g) / b, "o-", label="model placebo arm")
    ax[1].plot(wk, 100 * (un["M"] + placebo_change(wk * 7, held)) / b, "x:", color="grey",
               label="model placebo arm, response held at 48 weeks (before)")  # fmt: skip
    ax[1].plot([192], [-13.0], "kD", label="placebo arm, -13.0 % [PRICE06]")
    ax[1].plot([260], [-26.3], "ks", label="placebo arms, -26.3 % [KAUF08]")
    ax[1].axhline(0, color="grey", lw=0.5)
    ax[1].set(xlabel="weeks", ylabel="% change of target-area terminal count",
              title="Men with vertex loss: long placebo arms")  # fmt: skip
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "scalp_placebo.png", dpi=100)


def example(params) -> None:
    st = initial_scalp(params, age=45, sex="M", stage="III", n_follicles=100_000, seed=1)
    plot_trajectory(simulate(params, st, years=5, every=30, seed=2), IMG / "scalp_example.png")


if __name__ == "__main__":
    import sys

    params = default_params()
    if sys.argv[1:] == ["prevalence"]:  # only the prevalence figures and tables
        prevalence(params)
        stage_bands(params)
        raise SystemExit(0)
    if sys.argv[1:] == ["placebo"]:  # only the placebo-arm figure and table
        placebo(params)
        raise SystemExit(0)
    if sys.argv[1:] == ["kinetics"]:  # only the kinetics figure and its numbers
        kinetics(params)
        raise SystemExit(0)
    calibration(params)
    halloy(params)
    progression(params)
    vertex_check(params)
    prevalence(params)
    example(params)
    kinetics(params)
    placebo(params)
    stage_bands(params)
    untreated_by_stage(params)
