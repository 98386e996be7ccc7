"""The assessment as one self-contained HTML file: for the person first, then for the clinician.

Everything is inline: CSS in a ``<style>`` element, figures as base64 PNG ``<img>`` data URIs;
no script, no external resource, no link to load. Every piece of text is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from anagen.errors import InputError

__all__ = [
    "check_report_path",
    "fan_figure",
    "options_figure",
    "render_report",
    "report_figures",
    "write_report",
]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;
max-width:1100px;margin:1.5em auto;padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:1.6em}h3{margin-bottom:.3em}
.note{background:#fff6db;border-left:5px solid #e0a800;padding:.6em 1em;margin:1em 0}
.plain{background:#eef6ff;border-left:5px solid #2d6cdf;padding:.6em 1.2em}
.plain li{margin:.35em 0}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.3em .45em;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
.eligible{color:#196c2e;font-weight:600}.ask_specialist{color:#8a5a00;font-weight:600}
.not_eligible{color:#b00020;font-weight:600}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#444}
.small{font-size:.85em;color:#444}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# --------------------------------------------------------------------------- figures


def fan_figure(a):
    """Fan charts: each option (median, 80% band) against no treatment over the horizon."""
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False  # protocol names are text, never math

    opts = [o for o in a.options if o.key != "none"]
    none = a.option("none")
    ncol = 4
    nrow = -(-len(opts) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(14, 2.9 * nrow), sharex=True, sharey=True)
    axes = np.atleast_1d(axes).ravel()
    m = none.trajectory.months
    for ax, o in zip(axes, opts, strict=False):
        ax.fill_between(m, none.trajectory.p10, none.trajectory.p90, color="0.85", lw=0)
        ax.plot(m, none.trajectory.p50, color="0.4", ls="--", lw=1.2, label="no treatment")
        col = "#2d6cdf" if o.kind == "stem-cell" else "#d9822b"
        ax.fill_between(m, o.trajectory.p10, o.trajectory.p90, color=col, alpha=0.3, lw=0)
        ax.plot(m, o.trajectory.p50, color=col, lw=1.8, label="with this option")
        stop = o.durability.treatment_stops_month
        if stop > 0:
            ax.axvline(stop, color="0.5", lw=0.8, ls=":")
        title = o.name if len(o.name) <= 38 else o.name[:36] + "…"
        ax.set_title(title, fontsize=8.5)
        ax.grid(alpha=0.3)
    for ax in axes[len(opts) :]:
        ax.set_axis_off()
    for ax in axes[::ncol]:
        ax.set_ylabel("terminal hairs per cm²")
    for ax in axes[-ncol:]:
        ax.set_xlabel("months from today")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        "Predicted terminal hair density in the thinning zones: median and 80% band "
        "(grey: no treatment; dotted line: treatment stops)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def options_figure(a):
    """Each option's effect against no treatment at 12 and 24 months (median, 80% interval)."""
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False  # protocol names are text, never math

    opts = sorted(
        [o for o in a.options if o.key != "none"], key=lambda o: o.at(12).effect_vs_none.median
    )
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(opts) + 1.4))
    y = np.arange(len(opts))
    for dy, m, col in ((-0.17, 12, "#2d6cdf"), (0.17, 24, "#d9822b")):
        med = [o.effect_vs_none[m].median for o in opts]
        lo = [o.effect_vs_none[m].low for o in opts]
        hi = [o.effect_vs_none[m].high for o in opts]
        ax.errorbar(
            med,
            y + dy,
            xerr=[np.subtract(med, lo), np.subtract(hi, med)],
            fmt="o",
            color=col,
            ms=5,
            capsize=3,
            label=f"{m} months",
        )
    thr = a.visible_threshold
    ax.axvline(0, color="k", lw=0.8)
    ax.axvline(thr, color="green", lw=0.8, ls="--", label=f"'visible' threshold (~{thr:.0f})")
    labels = []
    for o in opts:
        mark = {"not_eligible": " ✗", "ask_specialist": " ?"}.get(o.candidacy.status, "")
        nm = o.name if len(o.name) <= 46 else o.name[:44] + "…"
        labels.append(nm + mark)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("change vs no treatment, terminal hairs per cm² (median, 80% interval)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Options side by side (✗ not eligible, ? ask a specialist)", fontsize=10)
    fig.tight_layout()
    return fig


def _map_figure(a):
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False  # protocol names are text, never math

    from anagen.scalp.plots import plot_scalp_map

    runs = list(a.map_runs.items())
    if not runs:
        return None
    panels = [("Today (model)", runs[0][1], 0)]
    idx24 = int(np.argmin(np.abs(runs[0][1].t_days - 24 * 365.25 / 12)))
    panels += [(f"Month 24: {name}", tr, idx24) for name, tr in runs]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 5.2))
    for ax, (title, tr, i) in zip(np.atleast_1d(axes), panels, strict=True):
        plot_scalp_map(tr, i, ax=ax)
        t = title if len(title) <= 50 else title[:48] + "…"
        ax.set_title(f"{t}\nstage {tr.stage(i)}", fontsize=9)
    fig.suptitle("Terminal hairs per cm² by zone (front at top), one run at the parameter medians")
    fig.tight_layout()
    return fig


def report_figures(assessment) -> dict[str, str]:
    """The report's figures as base64 PNG strings: ``fan``, ``options``, ``map``, ``forest``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    out = {"fan": _png(fan_figure(assessment)), "options": _png(options_figure(assessment))}
    fig = _map_figure(assessment)
    if fig is not None:
        out["map"] = _png(fig)
    if assessment.evidence is not None:
        from anagen.evidence import summary_forest_plot

        out["forest"] = _png(summary_forest_plot(assessment.evidence))
    return out


# --------------------------------------------------------------------------- HTML


def _iv(iv) -> str:
    return f"{iv.median:+.1f} ({iv.low:+.1f} to {iv.high:+.1f})"


def _money(x: float | None) -> str:
    return "—" if x is None else f"${x:,.0f}"


def _cost_text(o) -> str:
    return o.cost.text()


def _fig(b64: str | None, alt: str, caption: str) -> str:
    if not b64:
        return ""
    return (
        f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{b64}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _status(s: str) -> str:
    return f'<span class="{_e(s)}">{_e(s.replace("_", " "))}</span>'


def render_report(assessment, figures: dict[str, str] | None = None) -> str:
    """The report as an HTML string (figures from :func:`report_figures` unless given)."""
    from anagen.therapy import SOURCES

    a = assessment
    figs = report_figures(a) if figures is None else figures
    p = a.patient
    sex = "man" if p.sex == "M" else "woman"
    age, years = f"{p.age:g}", f"{p.patient.years_since_onset:g}"
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>anagen assessment</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Hair-loss options: what the evidence and the model say for this person</h1>",
        f'<p class="small">{_e(age)}-year-old {sex}, stage {_e(p.stage)}, '
        f"hair loss for {_e(years)} years. Generated by anagen.</p>",
        f'<div class="note"><strong>{_e(a.disclaimer)}</strong> Numbers are predictions of a '
        f"computer model, not measurements, and not a promise of results. Model parameters: "
        f"{_e(a.parameter_source)}.</div>",
        "<h2>In plain words</h2>",
        '<div class="plain"><ul>',
        *[f"<li>{_e(line)}</li>" for line in a.verdict],
        "</ul></div>",
        "<h2>Your options at a glance</h2>",
        '<p class="small">Change in terminal hairs per cm² in the thinning zones '
        f"({_e(', '.join(a.zones))}) compared with no treatment after 12 months: median and 80% "
        f"interval. Today's modelled density there: {a.baseline_density.median:.0f} hairs per cm². "
        f"A change is called visible when it is {_e(a.visible_definition)}.</p>",
        "<table><tr><th>option</th><th>can I have it?</th><th>12 months vs no treatment</th>"
        "<th>chance of a visible improvement</th><th>how long it lasts</th>"
        f"<th>total cost ({a.provenance.course_months} months, US dollars)</th>"
        "<th>how sure is the evidence?</th></tr>",
    ]
    for o in a.options:
        parts.append(
            f"<tr><td>{_e(o.name)}</td><td>{_status(o.candidacy.status)}</td>"
            f'<td class="num">{_e(_iv(o.effect_vs_none[12]))}</td>'
            f'<td class="num">{o.at(12).p_visible.text()}</td>'
            f"<td>{_e(o.durability.text)}</td><td>{_e(_cost_text(o))}</td>"
            f"<td>{_e(o.certainty.rating)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        _fig(
            figs.get("options"),
            "Options side by side",
            "Each option's modelled change against no treatment at 12 and 24 months (median and "
            "80% interval). The green dashed line is the assumed threshold of a visible change.",
        )
    )
    parts.append(
        _fig(
            figs.get("fan"),
            "Trajectory fan charts",
            "Predicted density over 48 months for each option (coloured) against no treatment "
            "(grey). Bands are 80% intervals over parameter draws and simulation noise.",
        )
    )
    parts.append(
        _fig(
            figs.get("map"),
            "Scalp map",
            "The simulated scalp today and after 24 months, without treatment and with the "
            "stem-cell option of largest modelled effect (one run at the parameter medians).",
        )
    )
    parts.append("<h3>Option by option</h3><ul>")
    parts += [f"<li>{_e(o.verdict)}</li>" for o in a.options]
    parts.append("</ul>")
    parts.append('<div class="plain"><ul>')
    parts.append(
        "<li>Before any procedure, ask the provider the questions listed in the clinician "
        "section, and check whether the product is approved where you live.</li>"
    )
    parts.append(f"<li>{_e(a.disclaimer)}</li></ul></div>")

    # ---------------------------------------------------------------- clinician section
    parts += [
        "<h2>For the clinician</h2>",
        "<h3>Predicted change (hairs per cm², median and 80% interval)</h3>",
        "<table><tr><th>option</th><th>product / kind</th>",
        *[f"<th>{m} mo vs no treatment</th>" for m in (6, 12, 24)],
        *[f"<th>{m} mo vs baseline</th>" for m in (6, 12, 24)],
        "<th>P(visible) 6/12/24 mo</th><th>dollars per hair per cm² gained (24 months)</th>"
        "<th>model numbers</th></tr>",
    ]
    for o in a.options:
        c = o.cost
        if c.per_hair_low is None or c.per_hair_high is None:
            cph_t = c.per_hair_note
        elif round(c.per_hair_low) == round(c.per_hair_high):
            cph_t = _money(c.per_hair_low)
        else:
            cph_t = f"{_money(c.per_hair_low)}–{_money(c.per_hair_high)}"
        pv = " / ".join(o.at(m).p_visible.text() for m in (6, 12, 24))
        parts.append(
            f"<tr><td>{_e(o.name)}</td><td>{_e(o.option)} ({_e(o.kind)})</td>"
            + "".join(f'<td class="num">{_e(_iv(o.effect_vs_none[m]))}</td>' for m in (6, 12, 24))
            + "".join(
                f'<td class="num">{_e(_iv(o.change_vs_baseline[m]))}</td>' for m in (6, 12, 24)
            )
            + f'<td class="num">{_e(pv)}</td><td>{_e(cph_t)}</td>'
            f"<td>{_e(o.certainty.model_numbers)}</td></tr>"
        )
    parts.append("</table>")
    parts += [
        "<h3>Candidacy, cost, downtime, side effects, regulation</h3>",
        "<table><tr><th>option</th><th>candidacy and reasons</th><th>total cost</th>"
        "<th>downtime</th><th>side effects (frequency)</th><th>regulatory (US / EU)</th>"
        "<th>sources</th></tr>",
    ]
    for o in a.options:
        reasons = (
            "<br>".join(
                f"{_e(r.effect.replace('_', ' '))}: {_e(r.text)} [{_e(', '.join(r.sources))}]"
                for r in o.candidacy.reasons
            )
            or "no finding"
        )
        se = "<br>".join(
            f"{_e(s.effect)} ({_e(s.frequency)})"
            + (f" [{_e(', '.join(s.sources))}]" if s.sources else "")
            for s in o.side_effects
        )
        parts.append(
            f"<tr><td>{_e(o.name)}</td><td>{_status(o.candidacy.status)}<br>{reasons}</td>"
            f"<td>{_e(_cost_text(o))}<br><span class='small'>{_e(o.cost.basis)}</span></td>"
            f"<td>{_e(o.downtime)}</td><td>{se}</td>"
            f"<td>US: {_e(o.regulatory_us)}<br>EU: {_e(o.regulatory_eu)}</td>"
            f"<td class='small'>{_e(', '.join(o.sources))}</td></tr>"
        )
    parts.append("</table>")
    parts += [
        "<h3>Certainty of the evidence behind each option</h3>",
        "<table><tr><th>option</th><th>rating</th><th>graded analyses and published estimates"
        "</th></tr>",
    ]
    for o in a.options:
        c = o.certainty
        items = [_e(r.statement) for r in c.evidence]
        items += [
            f"{_e(q.treatment)} {_e(q.comparison)}: {q.estimate:+g} "
            f"({_e(q.ci_low)} to {_e(q.ci_high)}) [{_e(q.scale)}] — {_e(q.citation)}"
            for q in c.published
        ]
        items += [_e(s) for s in c.studies_by_product]
        if c.note:
            items.append("Note: " + _e(c.note))
        parts.append(
            f"<tr><td>{_e(o.name)}</td><td>{_e(c.rating)}</td>"
            f"<td>{'<br>'.join(items) or '—'}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        _fig(
            figs.get("forest"),
            "Forest plot of the evidence",
            "The bundled trials (anagen.evidence.summarise_evidence): stem-cell products by "
            "product, with published estimates of the established treatments on the same scale.",
        )
    )
    if a.evidence is not None:
        parts.append("<h3>The evidence in GRADE wording</h3><ul>")
        parts += [f"<li>{_e(v)}</li>" for v in a.evidence.verdict]
        parts.append("</ul>")
    questions = _questions(a)
    if questions:
        parts.append("<h3>Questions to ask a provider</h3>")
        for title, qs in questions:
            parts.append(f"<p><strong>{_e(title)}</strong></p><ul>")
            parts += [f"<li>{_e(q)} [{_e(', '.join(t))}]</li>" for q, t in qs]
            parts.append("</ul>")
    s = a.provenance
    parts += [
        "<h3>Assumptions and method</h3><ul>",
        f"<li>Model parameters: {_e(a.parameter_source)}.</li>",
        f"<li>Visible improvement: {_e(a.visible_definition)}.</li>",
        f"<li>Durability: {_e(a.durability_definition)}.</li>",
        f"<li>Costs: {_e(a.options[0].cost.certainty)}; totals cover the "
        f"{_e(s.course_months)}-month course.</li>",
        f"<li>Simulation: {_e(s.n_draws)} joint parameter draws, each with its own "
        f"stochastic run of a whole scalp of {_e(s.n_follicles)} follicles "
        f"({_e(s.n_scalps)} simulated day-0 scalps of this person); one untreated run per "
        "draw shared by all options (common random numbers); seed "
        f"{_e(s.seed)}; horizon {_e(s.horizon_months)} months.</li>",
        f"<li>Outcome: {_e(a.outcome)} ({_e(a.unit)}).</li>",
        "</ul>",
        "<h3>Sources</h3>",
        '<p class="small">Tags as in anagen\'s source list (docs/therapy.md, '
        "anagen.therapy.SOURCES), where each source's address is given.</p><ul class='small'>",
    ]
    tags = sorted({t for o in a.options for t in o.sources})
    for t in tags:
        src = SOURCES.get(t)
        if src is not None:
            parts.append(f"<li>[{_e(t)}] {_e(src.citation)} (grade {_e(src.grade)})</li>")
    parts += ["</ul>", f'<div class="note">{_e(a.disclaimer)}</div>', "</body></html>"]
    return "\n".join(parts)


def _questions(a) -> list[tuple[str, list[tuple[str, tuple[str, ...]]]]]:
    from anagen.therapy import provider_questions

    seen, out = set(), []
    for o in a.options:
        if o.option in seen or o.option == "none":
            continue
        seen.add(o.option)
        qs = provider_questions(o.option)
        if qs:
            out.append(
                (o.name if o.kind != "stem-cell" else f"Stem-cell products ({o.option})", qs)
            )
    return out


def check_report_path(path: str | Path) -> Path:
    """Validate a report path before any work: ``.html``, existing writable directory.

    Raises
    ------
    InputError
        ``field='--report'`` with what is allowed.
    """
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        raise InputError(field="--report", allowed="a file ending in .html", got=str(p))
    if p.exists() and p.is_dir():
        raise InputError(field="--report", allowed="a file path, not a directory", got=str(p))
    from anagen._io import check_output_path

    check_output_path(p, field="--report")
    parent = p.resolve().parent
    if not parent.is_dir():
        raise InputError(field="--report", allowed="a path in an existing directory", got=str(p))
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError(field="--report", allowed="a writable location", got=str(p))
    return p


def write_report(assessment, path: str | Path) -> Path:
    """Write the HTML report atomically (a temporary file renamed into place)."""
    p = check_report_path(path)
    text = render_report(assessment)
    from anagen._io import atomic_write

    with atomic_write(p, field="--report") as fh:
        fh.write(text)
    return p
