"""Make the tables and figures of docs/calibration.md from the shipped posterior.

Run: ``PYTHONPATH=src python docs/calibration_figures.py`` (prints markdown tables; writes
docs/img/calibration_ppc.png and docs/img/calibration_time_courses.png). The same numbers come
from ``anagen calibrate loso`` and ``anagen calibrate check --plot-ppc ... --plot-time ...``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from anagen.decision import leave_one_study_out, load_posterior
from anagen.decision._calibrate_check import (
    percentile_text,
    posterior_predictive,
    se_sensitivity,
    time_courses,
)
from anagen.decision._calibrate_plot import plot_ppc, plot_time_courses

IMG = Path(__file__).parent / "img"


def md(rows: list[list[str]], head: list[str]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def g(x: float) -> str:
    return f"{x:.3g}"


def main() -> None:
    post = load_posterior()
    print("## provenance\n")
    p = post.provenance
    print(
        json.dumps(
            {
                k: p[k]
                for k in (
                    "date_utc",
                    "runtime_s",
                    "n_draws_per_block",
                    "quantile",
                    "area_cm2",
                    "code_version",
                    "cpu_count",
                )
            },
            indent=1,
        )
    )
    print("\n## posterior vs prior\n")
    s = post.summary()
    print(
        md(
            [
                [
                    r.block,
                    r.parameter,
                    g(r.prior_median),
                    r.prior_90,
                    g(r.posterior_median),
                    r.posterior_90,
                    f"{r.width_ratio:.2f}",
                ]
                for r in s.itertuples()
            ],
            [
                "block",
                "parameter",
                "prior median",
                "prior 90 %",
                "posterior median",
                "posterior 90 %",
                "width ratio",
            ],
        )
    )
    print("\n## effective sample size\n")
    print(
        md(
            [
                [
                    k,
                    f"{b.ess():.0f}" if b.study_ids else "prior only",
                    str(b.n_prior),
                    str(b.theta.shape[0]),
                    str(b.accepted().size),
                ]
                for k, b in post.blocks.items()
            ],
            ["block", "effective sample size", "prior draws", "draws", "posterior sample"],
        )
    )
    print("\n## family evidence\n")
    print(
        md(
            [
                [k, v["source"], ", ".join(v["studies"]) or "-"]
                for k, v in post.family_evidence().items()
            ],
            ["family", "numbers from", "studies"],
        )
    )
    print("\n## LOSO\n")
    lo = leave_one_study_out(post)
    print(
        md(
            [
                [
                    r.study_id,
                    r.block,
                    str(r.fit_on),
                    g(r.reported),
                    f"{r.se:.2g}",
                    g(r.predicted),
                    f"{g(r.lo80)} to {g(r.hi80)}",
                    "yes" if r.covered else "no",
                    f"{r.ess:.0f}",
                ]
                for r in lo.rows.itertuples()
            ],
            [
                "held-out",
                "block",
                "fitted on (studies)",
                "reported",
                "SE",
                "predicted",
                "80 % interval",
                "covered",
                "ESS",
            ],
        )
    )
    print(f"\ncoverage {lo.coverage_80:.3f} ({int(lo.rows['covered'].sum())} of {len(lo.rows)})")
    print("\n## PPC\n")
    ppc = posterior_predictive(post)
    print(
        md(
            [
                [
                    r.study_id,
                    r.block,
                    g(r.reported),
                    f"{g(r.post_lo80)} to {g(r.post_hi80)}",
                    f"{g(r.prior_lo80)} to {g(r.prior_hi80)}",
                    percentile_text(r.percentile),
                ]
                for r in ppc.itertuples()
            ],
            [
                "study",
                "block",
                "reported",
                "posterior predictive 80 %",
                "prior predictive 80 %",
                "percentile",
            ],
        )
    )
    print("\n## SE sensitivity\n")
    sens = se_sensitivity(post)
    cols = list(sens.columns[1:])
    print(
        md(
            [
                [c, *[g(v) if isinstance(v, float | np.floating) else str(v) for v in sens[c]]]
                for c in cols
            ],
            ["", *[f"SE x {f:g}" for f in sens["se_factor"]]],
        )
    )
    plot_ppc(ppc).savefig(IMG / "calibration_ppc.png", dpi=110)
    tc = time_courses(post, n_draws=30)
    plot_time_courses(tc).savefig(IMG / "calibration_time_courses.png", dpi=110)
    print("\nwrote docs/img/calibration_ppc.png, docs/img/calibration_time_courses.png")


if __name__ == "__main__":
    main()
