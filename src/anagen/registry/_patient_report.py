"""The per-patient plot and HTML page: observed visits against the frozen prediction fan.

A face of :class:`~anagen.registry._patient_view.PatientOutcomes`: no arithmetic on outcomes.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np

from anagen.registry._patient_view import PatientOutcomes, TreatmentView, month_text

__all__ = ["patient_figure", "patient_html_section", "write_patient_report"]

_IN, _OUT, _NA = "#2e7d32", "#c62828", "#7f7f7f"


def draw_treatment(ax: Any, t: TreatmentView, *, small: bool = False) -> None:
    """One treatment on ``ax``: fans anchored at the baseline density, visits as dots."""
    b = t.baseline_terminal
    if b is None:
        ax.text(0.5, 0.5, "no baseline terminal density", ha="center", transform=ax.transAxes)
        return
    fs = 7 if small else 8
    uf = t.untreated_fan
    if uf["months"]:
        um = np.array(uf["months"])
        ax.fill_between(
            um, b + np.array(uf["low"]), b + np.array(uf["high"]), color="#bbbbbb", alpha=0.35,
            lw=0, label="untreated (model): 80 % interval",
        )  # fmt: skip
        ax.plot(um, b + np.array(uf["median"]), color="#555555", ls="--", lw=1.1,
                label="untreated (model): median")  # fmt: skip
    f = t.fan
    if f["months"]:
        fm = np.array(f["months"])
        ax.fill_between(
            fm, b + np.array(f["low"]), b + np.array(f["high"]), color="#4c72b0", alpha=0.25,
            lw=0, label="frozen prediction: 80 % interval",
        )  # fmt: skip
        ax.plot(fm, b + np.array(f["median"]), color="#4c72b0", lw=1.6,
                label="frozen prediction: median")  # fmt: skip
    lim = t.follow_up_limit_month
    if lim is not None:
        ax.axvline(lim, color="#8c564b", ls=":", lw=1)
        weeks = "none" if t.follow_up_weeks is None else f"week {t.follow_up_weeks:g}"
        ax.annotate(
            f"trials' follow-up ends ({weeks});\nunknown beyond",
            (lim, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
            textcoords="offset points", fontsize=fs - 1, color="#8c564b", va="top",
        )  # fmt: skip
    for mth in t.planned_months:
        ax.axvline(mth, color="#dddddd", lw=0.8, zorder=0)
    seen: set[str] = set()
    for v in t.visits:
        if v.terminal is None:
            continue
        if v.kind == "baseline":
            lab, col, mk = "baseline visit", "black", "s"
        elif v.inside is None:
            lab, col, mk = "visit, no prediction (unknown)", _NA, "o"
        elif v.inside:
            lab, col, mk = "visit inside the 80 % interval", _IN, "o"
        else:
            lab, col, mk = "visit outside the 80 % interval", _OUT, "o"
        ax.plot(
            v.month, v.terminal, mk, color=col, ms=5 if small else 7, zorder=4,
            mfc="white" if v.inside is None and v.kind != "baseline" else col,
            label=None if lab in seen else lab,
        )  # fmt: skip
        seen.add(lab)
    ax.set_xlim(left=min(-0.5, min((v.month for v in t.visits), default=0) - 0.5))
    ax.set_xlabel("months since the treatment started", fontsize=fs)
    ax.set_ylabel("terminal hairs per cm²", fontsize=fs)
    ax.tick_params(labelsize=fs)


def patient_figure(po: PatientOutcomes) -> Any:
    """One panel per treatment (matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(po.treatments))
    fig, axes = plt.subplots(n, 1, figsize=(8.2, 4.4 * n), squeeze=False)
    tag = "[SYNTHETIC] " if po.synthetic else ""
    for ax, t in zip(axes[:, 0], po.treatments, strict=False):
        draw_treatment(ax, t)
        ax.set_title(
            f"{tag}{po.pseudonym}: {t.option_name}, started {t.start_date}\n{t.summary()}",
            fontsize=9,
        )
        ax.legend(fontsize=7, loc="best")
    if not po.treatments:
        axes[0, 0].text(0.5, 0.5, "no treatment recorded", ha="center")
    fig.tight_layout()
    return fig


def _rows(t: TreatmentView) -> str:
    out = []
    for v in t.visits:
        pred = (
            "—" if v.median is None
            else f"{v.median:+.1f} ({v.low:+.1f} to {v.high:+.1f})"
        )  # fmt: skip
        verdict = {True: "inside", False: "<b>outside</b>", None: html.escape(v.note)}[v.inside]
        if v.inside is not None and v.answers_month is not None:
            verdict += f" (answers month {v.answers_month})"
        out.append(
            f"<tr><td>{v.date}</td><td>{html.escape(v.kind)}</td><td>{month_text(v.month)}</td>"
            f"<td>{'—' if v.terminal is None else f'{v.terminal:.1f}'}</td>"
            f"<td>{'—' if v.change is None else f'{v.change:+.1f}'}</td><td>{pred}</td>"
            f"<td>{'—' if v.untreated is None else f'{v.untreated:+.1f}'}</td>"
            f"<td>{verdict}</td></tr>"
        )
    return (
        "<table><tr><th>visit</th><th>kind</th><th>month</th><th>terminal /cm²</th>"
        "<th>change</th><th>frozen prediction (80 % interval)</th><th>untreated (model)</th>"
        f"<th>inside?</th></tr>{''.join(out)}</table>"
    )


def _preds(t: TreatmentView) -> str:
    items = []
    for p in t.predictions:
        if p["median"] is None:
            items.append(f"<li>month {p['month']}: {html.escape(str(p['reason']))}</li>")
        else:
            unt = "unknown" if p["untreated"] is None else f"{p['untreated']:+.1f}"
            items.append(
                f"<li>month {p['month']}: {p['median']:+.1f} hairs per cm² (80 % interval "
                f"{p['low']:+.1f} to {p['high']:+.1f}); untreated {unt}"
                + (f"; {html.escape(p['note'])}" if p.get("note") else "")
                + "</li>"
            )
    src = (
        f"frozen by anagen {html.escape(str(t.model_version))}, seed {t.seed}; "
        f"{html.escape(str(t.parameter_source))}"
        if t.model_version
        else "no prediction was frozen"
    )
    extra = "".join(
        f"<li>{html.escape(x)}</li>"
        for x in (
            "with what the patient uses now, kept up: " + ", ".join(t.current_treatments)
            if t.current_treatments
            else "",
            f"planned course: {t.course}" if t.course else "",
        )
        if x
    )
    return f"<p class='note'>Frozen predictions ({src}):</p><ul>{extra}{''.join(items)}</ul>"


def patient_html_section(po: PatientOutcomes, png_b64: str) -> str:
    """The patient's plot and tables as an HTML fragment."""
    parts = [
        f"<h2>{'[SYNTHETIC] ' if po.synthetic else ''}{html.escape(po.pseudonym)} "
        f"({po.sex}, {html.escape(po.stage_scale)} {html.escape(po.stage)}, born "
        f"{po.birth_year})</h2>",
        f'<img alt="observed visits against the frozen prediction fan of '
        f'{html.escape(po.pseudonym)}" src="data:image/png;base64,{png_b64}">',
    ]
    for t in po.treatments:
        parts.append(
            f"<h3>Treatment {t.treatment_id}: {html.escape(t.option_name)}, started "
            f"{t.start_date} — {html.escape(t.summary())}</h3>"
        )
        parts.append(_preds(t))
        parts.append(_rows(t))
    return "\n".join(parts)


def write_patient_report(po: PatientOutcomes, path: str | Path) -> Path:
    """A self-contained HTML page for one patient (atomic write)."""
    from anagen._io import atomic_write
    from anagen.registry._report import STYLE, SYNTHETIC_NOTE, _png

    path = Path(path)
    banner = f'<div class="synthetic">{html.escape(SYNTHETIC_NOTE)}</div>' if po.synthetic else ""
    doc = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{"SYNTHETIC - " if po.synthetic else ""}Observed vs predicted - {html.escape(po.pseudonym)}</title>
<style>{STYLE}</style></head><body>
<h1>Observed vs predicted — patient {html.escape(po.pseudonym)}</h1>
<p>{html.escape(po.clinic)}</p>
{banner}
{patient_html_section(po, _png(patient_figure(po)))}
<h2>How to read it</h2><p class="note">Each dot is a measured visit: terminal hairs per cm² in
the tattooed target area. The blue band is anagen's prediction frozen when the treatment was
recorded (median line and 80 % interval, anchored at the baseline measurement); the grey band
is the model's course for the same patient without treatment. A follow-up visit is "inside"
when its change from baseline lies in the 80 % interval at that time (about 8 in 10 visits
should be, if the model is calibrated for this clinic's patients). Past the longest follow-up of
the option's trials anagen makes no prediction ("unknown"). Observational data.</p>
<p class="note">Decision support for a conversation with a hair-loss specialist — not a
diagnosis and not medical advice.</p></body></html>"""
    with atomic_write(path, field="--html") as fh:
        fh.write(doc)
    return path
