"""Regenerate the real outputs of docs/assessment.md (run from the repository root).

    python docs/assessment_outputs.py [out_dir]

Writes, under ``out_dir`` (default ``/tmp/anagen_assessment_docs``): ``<patient>.txt`` (the
``anagen assess`` text output, 110 columns), ``<patient>.html``/``.pdf`` (the reports),
``trials.md`` (modelled vs trial, :func:`anagen.decision._consistency.trial_checks`, 200 draws,
seed 0) and ``seeds.md`` (the headline options for seeds 0-9, 60 draws, with each option's
distance from the rule's cut); and into ``docs/img/``: a Chromium screenshot of the top of
each HTML report and pages 1-2 of the 45-year-old man's PDF (pypdfium2). Takes a few minutes on
two cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = sorted((ROOT / "docs" / "patients").glob("*.toml"))
IMG = ROOT / "docs" / "img"


def _cli(args: list[str], out: Path) -> None:
    env = {**os.environ, "COLUMNS": "110", "PYTHONPATH": str(ROOT / "src")}
    res = subprocess.run(
        [sys.executable, "-m", "anagen", *args], capture_output=True, text=True, env=env,
        check=True,
    )  # fmt: skip
    out.write_text(res.stdout, encoding="utf-8")


def _screenshot(html: Path, png: Path) -> None:
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={png}", "--window-size=1200,1500", html.resolve().as_uri()],
        check=True, capture_output=True,
    )  # fmt: skip


def _pdf_pages(pdf: Path, stem: str) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    for i in (0, 1):
        doc[i].render(scale=1.4).to_pil().save(IMG / f"{stem}_page{i + 1}.png")
    doc.close()


def _trials(out: Path, ex) -> None:
    from anagen.decision._consistency import trial_checks

    rows = [
        "| option | trial | weeks | published (95% CI), hairs per cm² | model month "
        "| model (80% interval) | inside the CI? |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in trial_checks(executor=ex):  # 200 draws
        rows.append(
            f"| {c.option} | {c.trial} | {c.weeks:g} | {c.published:+.1f} ({c.ci_low:+.1f} to "
            f"{c.ci_high:+.1f}) | {c.month} | {c.model.median:+.1f} ({c.model.low:+.1f} to "
            f"{c.model.high:+.1f}) | {'yes' if c.inside else 'NO'} |"
        )
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _seeds(out: Path, ex) -> None:
    from anagen.decision import assess_patient, load_posterior
    from anagen.decision._assess_verdict import GROUPS, headlines

    post = load_posterior()
    lines = []
    for p in PATIENTS:
        seen, margin = {}, {}
        for seed in range(10):
            a = assess_patient(
                p, seed=seed, n_draws=60, posterior=post, with_evidence=False,
                with_maps=False, executor=ex,
            )  # fmt: skip
            seen[seed] = tuple(
                (g, tuple(a.option(k).name for k in keys))
                for g, keys in zip(GROUPS, headlines(a.options), strict=True)
            )
            for o in a.options:
                if o.vs_leader is not None and o.standing.startswith(("similar", "visibly")):
                    m = o.vs_leader.high + o.visible_threshold
                    lo, hi = margin.get(o.name, (m, m))
                    margin[o.name] = (min(lo, m), max(hi, m))
        same = len(set(seen.values())) == 1
        lines.append(f"### {p.stem}\n")
        lines.append(f"Same headline for seeds 0-9: **{'yes' if same else 'NO'}**\n")
        lines.append("| seed | stem-cell group | other options | added to what you use now |")
        lines.append("|---|---|---|---|")
        for seed, groups in seen.items():
            cells = ["; ".join(names) or "-" for _, names in groups]
            lines.append(f"| {seed} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append(
            "Distance from the cut (upper end of the 80 % interval of the paired difference "
            "from the leader, plus the visible threshold; named when >= 0), min to max over "
            "seeds 0-9:\n"
        )
        for name, (lo, hi) in sorted(margin.items()):
            lines.append(f"- {name}: {lo:+.1f} to {hi:+.1f}")
        lines.append("")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/anagen_assessment_docs")
    out.mkdir(parents=True, exist_ok=True)
    for p in PATIENTS:
        html = out / f"{p.stem}.html"
        _cli(["assess", str(p), "--report", str(html)], out / f"{p.stem}.txt")
        _screenshot(html, IMG / f"assessment_{p.stem}.png")
    man45 = next(p for p in PATIENTS if p.stem.startswith("man45"))
    pdf = out / f"{man45.stem}.pdf"
    _cli(["assess", str(man45), "--report", str(pdf)], out / f"{man45.stem}.pdf.txt")
    _pdf_pages(pdf, "assessment_man45_pdf")
    with ProcessPoolExecutor(2) as ex:
        _trials(out / "trials.md", ex)
        _seeds(out / "seeds.md", ex)
    print(out)


if __name__ == "__main__":
    main()
