"""The assessment as a PDF: the same page model as the result page (:mod:`._assessment_view`)
and the library's own report figures (:func:`anagen.decision.report_figures`), laid out with
fpdf2. No number is computed here.

Text needs a Unicode TrueType font (hairs/cm², ≥, –): DejaVu Sans from Debian's
``fonts-dejavu-core`` (``.ci/run`` installs it when missing), else matplotlib's bundled copy.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

__all__ = ["assessment_pdf"]

_DEBIAN = Path("/usr/share/fonts/truetype/dejavu")


def _font_dir() -> Path:
    if (_DEBIAN / "DejaVuSans.ttf").exists():
        return _DEBIAN
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def assessment_pdf(view: dict[str, Any], figures: dict[str, str] | None = None) -> bytes:
    """PDF bytes of one assessment's page model (``assessment_view(d)``)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=14)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title("anagen assessment")
    pdf.set_creator("anagen")
    pdf.add_page()
    w = pdf.epw

    def para(text: str, size: float = 9.5, style: str = "", h: float = 4.8) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(w, h, text, new_x="LMARGIN", new_y="NEXT")

    def head(text: str, size: float = 12) -> None:
        pdf.ln(2)
        para(text, size, "B", 6)
        pdf.ln(1)

    p = view["patient"]
    head(view["question"], 14)
    para(view["disclaimer"], 9, "B")
    sex = "man" if p.get("sex") == "M" else "woman"
    para(
        f"For a {round(float(p.get('age', 0)))}-year-old {sex}, stage {p.get('stage')}. "
        f"Today: {view['baseline']} ({view['outcome']})."
    )
    head("In short")
    for line in view["verdict"]:
        para(f"• {line}")
    head("Options")
    para(f"Changes: {view['outcome']}; median and {view['interval']}.", 8.5)
    for o in view["options"]:
        pdf.ln(1.5)
        para(f"{o['name']} ({o['kind']}) — {o['status_text']}", 10.5, "B", 5.5)
        rows = [
            (
                "Gain vs none (hairs/cm²), 6/12/24 mo",
                f"{o['effect']['6m']}  /  {o['effect']['12m']}  /  {o['effect']['24m']}",
            ),
            ("Change from today, 24 mo", o["change"]["24m"]),
            ("Visible at 12 mo, of 100 like you", o["visible"]["12m"]["text"]),
            ("How long it lasts", o["durability"] or "-"),
            ("Cost", f"{o['cost']} ({o['cost_basis']})" if o["cost_basis"] else o["cost"]),
            ("Cost per hair/cm² gained", o["cost_per_hair"]),
            ("Downtime", o["downtime"] or "-"),
            (
                "Side effects",
                "; ".join(f"{s.get('effect')} ({s.get('frequency')})" for s in o["side_effects"])
                or "-",
            ),
            ("Certainty", str(o["certainty"].get("rating") or o["certainty"].get("short", ""))),
            ("Candidacy", "; ".join(r.get("text", "") for r in o["reasons"]) or "-"),
            ("Sources", " ".join(f"[{s['tag']}]" for s in o["sources"]) or "-"),
        ]
        for label, value in rows:
            pdf.set_font("DejaVu", "B", 8.5)
            h_label = pdf.multi_cell(w * 0.32, 4.3, label, dry_run=True, output="HEIGHT")
            pdf.set_font("DejaVu", "", 8.5)
            h_value = pdf.multi_cell(w * 0.68, 4.3, str(value), dry_run=True, output="HEIGHT")
            if pdf.get_y() + max(h_label, h_value) > pdf.page_break_trigger:
                pdf.add_page()
            y0 = pdf.get_y()
            pdf.set_font("DejaVu", "B", 8.5)
            pdf.multi_cell(w * 0.32, 4.3, label, new_x="RIGHT", new_y="TOP")
            pdf.set_font("DejaVu", "", 8.5)
            pdf.set_xy(pdf.l_margin + w * 0.32, y0)
            pdf.multi_cell(w * 0.68, 4.3, str(value), new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(y0 + max(h_label, h_value))
    for key, title in (("fan", "Over time"), ("options", "Options at 12 months")):
        if figures and figures.get(key):
            pdf.add_page()
            head(title)
            pdf.image(io.BytesIO(base64.b64decode(figures[key])), w=w)
    head("How these numbers were made")
    para(f"Visible improvement: {view['visible_definition']}.", 8.5)
    para(f"Durability: {view['durability_definition']}.", 8.5)
    para(f"Model parameters: {view['parameter_source']}.", 8.5)
    head("Sources")
    for s in view["sources"]:
        para(f"[{s['tag']}] {s['citation']} (grade {s['grade']}) {s['url']}", 7.5, h=3.8)
    return bytes(pdf.output())
