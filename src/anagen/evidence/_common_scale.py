"""One common scale (ratio of means) and adjusted indirect comparisons with minoxidil.

Controlled stem-cell trials report either the difference in mean **percent** change or a
difference in **hairs/cm²**. Both become a log **ratio of means** (ROM) of follow-up hair
density, treated vs control, which is what a percent already is:

* percent study: ``ln((100 + pT) / (100 + pC))`` - no assumption beyond equal baselines in the
  two arms (randomised arms, or the two halves of one scalp);
* hairs/cm² study: ``ln((B + ΔT) / (B + ΔC))`` with the baseline density ``B`` reported, or
  **borrowed** (the median baseline density reported by the bundled stem-cell rows) - flagged
  as *converted*, and dropped in a sensitivity analysis.

The variance follows by the delta method from the study's SE on its own scale:
``var(lnROM) ≈ SE² / (100 + mean % change)²`` or ``SE² / (B + mean change)²``.

Minoxidil's placebo-controlled trials (hairs/cm²) are put on the same scale with the same
borrowed baseline; the **Bucher** adjusted indirect comparison of a stem-cell product vs
minoxidil through their common comparator (placebo/untreated) is then
``d = d(product vs placebo) - d(minoxidil vs placebo)``, ``var = var1 + var2`` - much wider
than either, and labelled indirect. When the product has hairs/cm² trials the comparison is
also given on that scale, without any conversion.

References
----------
.. [1] Friedrich JO, Adhikari NKJ, Beyene J. The ratio of means method as an alternative to
   mean differences for analyzing continuous outcome variables in meta-analysis. BMC Med Res
   Methodol 2008;8:32.
.. [2] Bucher HC, Guyatt GH, Griffith LE, Walter SD. The results of direct and indirect
   treatment comparisons in meta-analysis of randomized controlled trials. J Clin Epidemiol
   1997;50(6):683-691.
.. [3] Cochrane Handbook v6.4, 2023, §6.5.1 (ratio of means), §11.4.3 (indirect comparisons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from anagen.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from anagen.evidence._pool import PoolResult

__all__ = [
    "CommonScale",
    "IndirectComparison",
    "IndirectSet",
    "borrowed_baseline",
    "bucher",
    "common_scale",
    "common_scale_plot",
    "indirect_vs_minoxidil",
    "rom_effects",
]


def borrowed_baseline(studies: pd.DataFrame) -> tuple[float, float, float, int]:
    """(median, min, max, k) of the baseline densities (hairs/cm²) reported in ``studies``.

    Treated and control baselines of density rows are both used; duplicate cohorts are
    left out.
    """
    import pandas as pd

    s = studies[(studies["outcome_scale"] == "hairs_per_cm2") & studies["duplicate_of"].isna()]
    vals = pd.concat([s["treated_baseline_mean"], s["control_baseline_mean"]]).dropna()
    vals = vals.astype(float).to_numpy()
    if vals.size == 0:
        raise InputError(
            field="treated_baseline_mean",
            allowed="at least one reported baseline density (hairs/cm²) to borrow",
            got="none",
        )
    return float(np.median(vals)), float(vals.min()), float(vals.max()), int(vals.size)


def _pct(x: float) -> float:
    return (math.exp(x) - 1.0) * 100.0


def rom_effects(
    effects: pd.DataFrame, studies: pd.DataFrame, *, baseline: float | None = None
) -> pd.DataFrame:
    """Controlled effects (from :func:`anagen.evidence.study_effects`) as log ratios of means.

    Parameters
    ----------
    effects
        Output of ``study_effects`` (columns ``study_id, measure, yi, se, row_id``).
    studies
        The study table the effects came from (for the arms' means and baselines).
    baseline
        Baseline density to use when a hairs/cm² study reports none (default: the median
        of :func:`borrowed_baseline`).

    Returns
    -------
    pandas.DataFrame
        ``effects`` plus ``lnrom, vi_rom, converted, conversion`` (what was assumed).
    """
    b_default = borrowed_baseline(studies)[0] if baseline is None else float(baseline)
    import pandas as pd  # loaded already: ``studies`` is a DataFrame

    by_row = studies.set_index("row_id")
    out = effects.copy()
    ln, vv, conv, how = [], [], [], []
    for rec in effects.itertuples(index=False):
        row = by_row.loc[rec.row_id]
        mt = float(row["treated_change_mean"])
        mc = float(row["control_change_mean"])
        if math.isnan(mc):
            mc = float(row["control_change_max"])
        if rec.measure == "MD_pct":
            ln.append(math.log((100.0 + mt) / (100.0 + mc)))
            vv.append(rec.se**2 / (100.0 + (mt + mc) / 2.0) ** 2)
            conv.append(False)
            how.append("percent changes: ratio needs no baseline (equal baselines assumed)")
            continue
        b = row["treated_baseline_mean"]
        if pd.notna(b):
            b, borrowed = float(b), False
        else:
            b, borrowed = b_default, True
        ln.append(math.log((b + mt) / (b + mc)))
        vv.append(rec.se**2 / (b + (mt + mc) / 2.0) ** 2)
        conv.append(borrowed)
        how.append(
            f"hairs/cm² converted with a borrowed baseline density of {b:.1f} hairs/cm²"
            if borrowed
            else f"hairs/cm² with the reported baseline {b:g}"
        )
    out["lnrom"], out["vi_rom"], out["converted"], out["conversion"] = ln, vv, conv, how
    return out


@dataclass(frozen=True, slots=True)
class CommonScale:
    """Stem-cell controlled effects pooled as ratios of means (percent more hair vs control)."""

    analyses: tuple[tuple[str, PoolResult, PoolResult | None, tuple[str, ...]], ...]
    baseline: tuple[float, float, float, int]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; estimates as percent difference in follow-up density."""

        def pr(p: PoolResult | None) -> dict[str, float] | None:
            if p is None:
                return None
            return {
                "percent": _pct(p.estimate),
                "ci_low": _pct(p.ci_low),
                "ci_high": _pct(p.ci_high),
                "k": p.k,
            }

        return {
            "scale": "ratio of means, as % more hair than control",
            "borrowed_baseline": {
                "median": self.baseline[0],
                "min": self.baseline[1],
                "max": self.baseline[2],
                "k_values": self.baseline[3],
            },
            "analyses": [
                {"name": n, "all": pr(a), "without_converted": pr(b), "studies": list(s)}
                for n, a, b, s in self.analyses
            ],
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """Printable lines."""
        b = self.baseline
        out = [
            f"borrowed baseline density {b[0]:.1f} hairs/cm² (median of {b[3]} reported "
            f"baselines, range {b[1]:.1f} to {b[2]:.1f}) where a hairs/cm² trial gives none"
        ]
        for name, a, s, studies in self.analyses:
            text = (
                f"{name}: {_pct(a.estimate):+.1f}% hair vs control "
                f"[{_pct(a.ci_low):+.1f}, {_pct(a.ci_high):+.1f}], k = {a.k} ({', '.join(studies)})"
            )
            if s is None:
                text += "; without converted studies: none left"
            elif s.k != a.k:
                text += (
                    f"; without converted studies: {_pct(s.estimate):+.1f}% "
                    f"[{_pct(s.ci_low):+.1f}, {_pct(s.ci_high):+.1f}], k = {s.k}"
                )
            else:
                text += "; no study needed a conversion"
            out.append(text)
        out += list(self.notes)
        return out


def common_scale(
    effects: pd.DataFrame, studies: pd.DataFrame, *, method: str = "REML"
) -> CommonScale:
    """Pool the controlled effects on the ROM scale, overall and per product.

    Each analysis is also run without the studies that needed a borrowed baseline.
    """
    from anagen.evidence._pool import pool
    from anagen.evidence._summary import _label

    rom = rom_effects(effects, studies)
    groups: list[tuple[str, pd.DataFrame]] = []
    if rom["product_group"].nunique() > 1:
        groups.append(("stem-cell therapy (all products)", rom))
    groups += [(str(p), g) for p, g in rom.groupby("product_group", sort=True)]
    analyses = []
    for name, g in groups:
        m = method if len(g) >= 2 else "FE"
        a = pool(g["lnrom"], g["vi_rom"], method=m)
        keep = g[~g["converted"]]
        s = None
        if len(keep):
            s = pool(keep["lnrom"], keep["vi_rom"], method=method if len(keep) >= 2 else "FE")
        analyses.append((name, a, s, tuple(_label(x) for x in g["study_id"])))
    notes = tuple(
        f"{_label(sid)}: {c}"
        for sid, c, cv in zip(rom["study_id"], rom["conversion"], rom["converted"], strict=True)
        if cv
    )
    return CommonScale(analyses=tuple(analyses), baseline=borrowed_baseline(studies), notes=notes)


@dataclass(frozen=True, slots=True)
class IndirectComparison:
    """Bucher adjusted indirect comparison A vs B through a common comparator."""

    treatment: str
    versus: str
    via: str
    scale: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    direct_a: tuple[float, float]
    direct_b: tuple[float, float]
    k_a: int
    k_b: int
    assumptions: tuple[str, ...]
    baseline_sensitivity: tuple[tuple[float, float, float, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (ROM-scale values as log ratios)."""
        return {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]

    def text(self) -> str:
        """One line, labelled indirect."""
        if self.scale == "lnROM":
            est = (
                f"{_pct(self.estimate):+.1f}% hair [{_pct(self.ci_low):+.1f}, "
                f"{_pct(self.ci_high):+.1f}]"
            )
        else:
            est = f"{self.estimate:+.1f} hairs/cm² [{self.ci_low:+.1f}, {self.ci_high:+.1f}]"
        text = (
            f"INDIRECT {self.treatment} vs {self.versus} (via {self.via}, {self.scale}): {est}; "
            f"from k = {self.k_a} and k = {self.k_b} trials"
        )
        for b, e, lo, hi in self.baseline_sensitivity:
            text += f"; baseline {b:.1f}: {_pct(e):+.1f}% [{_pct(lo):+.1f}, {_pct(hi):+.1f}]"
        return text


def bucher(
    d_a: float, se_a: float, d_b: float, se_b: float, *, level: float = 0.95
) -> tuple[float, float, float, float]:
    """(estimate, se, ci_low, ci_high) of A vs B from A vs C and B vs C (Bucher 1997)."""
    if not (se_a > 0 and se_b > 0):
        raise InputError(field="se", allowed="> 0", got=min(se_a, se_b))
    d = d_a - d_b
    se = math.hypot(se_a, se_b)
    z = float(special.ndtri(0.5 + level / 2.0))  # normal ppf
    return d, se, d - z * se, d + z * se


@dataclass(frozen=True, slots=True)
class IndirectSet:
    """All indirect comparisons with minoxidil."""

    comparisons: tuple[IndirectComparison, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"comparisons": [c.to_dict() for c in self.comparisons]}

    def lines(self) -> list[str]:
        """Printable lines."""
        out = [c.text() for c in self.comparisons]
        seen: list[str] = []
        for c in self.comparisons:
            for a in c.assumptions:
                if a not in seen:
                    seen.append(a)
        out.append(
            "certainty of every indirect comparison: VERY LOW - it cannot be higher than the "
            "direct stem-cell evidence (very low) and is rated down again for indirectness"
        )
        return out + [f"assumption: {a}" for a in seen]


def indirect_vs_minoxidil(
    effects: pd.DataFrame, studies: pd.DataFrame, *, method: str = "REML"
) -> IndirectSet:
    """Each stem-cell product vs topical minoxidil through placebo/untreated (Bucher).

    Minoxidil: the bundled placebo-controlled minoxidil trials, pooled. On the ROM scale
    both sides use the same borrowed baseline where needed.
    """
    from anagen.evidence._pool import pool
    from anagen.evidence._studies import comparator_effects, load_comparator_trials

    mx = comparator_effects()
    mx = mx[mx["control_type"] == "placebo"]
    m_md = pool(mx["yi"], mx["vi"], method=method)
    t = load_comparator_trials().set_index("row_id").loc[mx["row_id"]]
    dt = t["treated_change_mean"].to_numpy(float)
    dc = t["control_change_mean"].to_numpy(float)

    def minoxidil_rom(b: float) -> PoolResult:
        ln_m = np.log((b + dt) / (b + dc))
        v_m = mx["vi"].to_numpy(float) / (b + (dt + dc) / 2.0) ** 2
        return pool(ln_m, v_m, method=method)

    b, b_lo, b_hi, _ = borrowed_baseline(studies)
    m_rom = minoxidil_rom(b)
    rom = rom_effects(effects, studies)
    roms = {x: rom_effects(effects, studies, baseline=x) for x in (b_lo, b_hi)}
    common = (
        "the trials compared with placebo/untreated are similar enough in patients, "
        "follow-up and outcome for the comparison to be transitive (not checked: the "
        "stem-cell trials are small, mixed-sex and 16-58 weeks, the minoxidil trials "
        "16-48 weeks)"
    )
    rom_note = (
        f"on the ROM scale minoxidil's hairs/cm² changes use the borrowed baseline "
        f"{b:.1f} hairs/cm² (its trials' baselines are not bundled); the result is shown "
        f"again at the lowest and highest reported baselines ({b_lo:.1f}, {b_hi:.1f})"
    )
    out: list[IndirectComparison] = []
    for product, g in rom.groupby("product_group", sort=True):
        m = method if len(g) >= 2 else "FE"
        a = pool(g["lnrom"], g["vi_rom"], method=m)
        d, se, lo, hi = bucher(a.estimate, a.se, m_rom.estimate, m_rom.se)
        sens = []
        for x, rx in roms.items():
            gx = rx[rx["product_group"] == product]
            ax = pool(gx["lnrom"], gx["vi_rom"], method=m)
            mx_r = minoxidil_rom(x)
            dx, _, lx, hx = bucher(ax.estimate, ax.se, mx_r.estimate, mx_r.se)
            sens.append((x, dx, lx, hx))
        out.append(
            IndirectComparison(
                treatment=str(product),
                versus="minoxidil",
                via="placebo/untreated",
                scale="lnROM",
                estimate=d,
                se=se,
                ci_low=lo,
                ci_high=hi,
                direct_a=(a.estimate, a.se),
                direct_b=(m_rom.estimate, m_rom.se),
                k_a=a.k,
                k_b=m_rom.k,
                assumptions=(common, rom_note),
                baseline_sensitivity=tuple(sens),
            )
        )
        md = g[g["measure"] == "MD"]
        if len(md):
            a2 = pool(md["yi"], md["vi"], method=method if len(md) >= 2 else "FE")
            d, se, lo, hi = bucher(a2.estimate, a2.se, m_md.estimate, m_md.se)
            out.append(
                IndirectComparison(
                    treatment=str(product),
                    versus="minoxidil",
                    via="placebo/untreated",
                    scale="MD hairs/cm²",
                    estimate=d,
                    se=se,
                    ci_low=lo,
                    ci_high=hi,
                    direct_a=(a2.estimate, a2.se),
                    direct_b=(m_md.estimate, m_md.se),
                    k_a=a2.k,
                    k_b=m_md.k,
                    assumptions=(common,),
                )
            )
    return IndirectSet(comparisons=tuple(out))


def common_scale_plot(cs: CommonScale, ind: IndirectSet) -> Figure:
    """Two panels: pooled ratios of means vs control (with the sensitivity without converted
    studies), and the indirect comparisons with minoxidil (ROM scale), all as % more hair.

    Returns a matplotlib Figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows_a: list[tuple[str, float, float, float, str]] = []
    for name, a, s, _ in cs.analyses:
        rows_a.append((f"{name} (k={a.k})", a.estimate, a.ci_low, a.ci_high, "C0"))
        if s is not None and s.k != a.k:
            rows_a.append(
                (f"  without converted (k={s.k})", s.estimate, s.ci_low, s.ci_high, "0.5")
            )
    rows_b = [
        (f"{c.treatment} vs minoxidil", c.estimate, c.ci_low, c.ci_high, "C3")
        for c in ind.comparisons
        if c.scale == "lnROM"
    ]
    fig, axes = plt.subplots(
        2, 1, figsize=(8.0, 1.6 + 0.42 * (len(rows_a) + len(rows_b))), squeeze=False,
        gridspec_kw={"height_ratios": [max(len(rows_a), 1), max(len(rows_b), 1)]},
    )  # fmt: skip
    titles = (
        "vs placebo/untreated, ratio of means (% more hair than control)",
        "INDIRECT vs minoxidil through placebo (Bucher), % more hair",
    )
    for ax, rows, title in zip(axes[:, 0], (rows_a, rows_b), titles, strict=True):
        for i, (_lbl, e, lo, hi, col) in enumerate(rows[::-1]):
            ax.plot([_pct(lo), _pct(hi)], [i, i], color=col, lw=1.6)
            ax.plot([_pct(e)], [i], "D", color=col, ms=6)
            ax.text(
                1.01, i, f"{_pct(e):+.1f}% [{_pct(lo):+.1f}, {_pct(hi):+.1f}]",
                transform=ax.get_yaxis_transform(), va="center", fontsize=8,
            )  # fmt: skip
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([r[0] for r in rows[::-1]], fontsize=8)
        ax.axvline(0.0, color="k", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("% difference in follow-up hair density")
    fig.tight_layout()
    return fig
