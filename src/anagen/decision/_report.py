"""The assessment as a report: one self-contained HTML file and the same content as a PDF.

The content is decided once (:func:`anagen.decision._report_content.report_content`) and
rendered by one Jinja2 template (``templates/report.html``), with CSS for the screen and as
simple markup for the PDF, which fpdf2 (pure Python) lays out. Everything is inline: CSS in a
``<style>`` element, figures as base64 PNG data URIs; no script and no external resource (the
sources are ordinary links). Every piece of text is HTML-escaped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from anagen.decision._report_figures import fan_figure, options_figure, report_figures
from anagen.errors import InputError

__all__ = [
    "check_report_path",
    "fan_figure",
    "options_figure",
    "render_pdf",
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
.not_eligible{color:#b00020;font-weight:600}\ntable.grid td,table.grid th{width:20%}table.grid td:first-child{width:20%;background:#fafafa;font-weight:600}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#444}
.small{font-size:.85em;color:#444}
"""


def _template():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("anagen.decision", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html")


def _content(assessment, figures: dict[str, str] | None) -> dict[str, Any]:
    from anagen.decision._report_content import report_content

    return report_content(assessment, report_figures(assessment) if figures is None else figures)


def render_report(assessment, figures: dict[str, str] | None = None) -> str:
    """The report as an HTML string (figures from :func:`report_figures` unless given)."""
    return _template().render(c=_content(assessment, figures), pdf=False, css=_CSS)


_LATIN1 = {
    "–": "-", "—": "-", "≥": ">=", "≤": "<=", "×": "x", "…": "...", "’": "'", "‘": "'",
    "“": '"', "”": '"', "µ": "u", "→": "->", "−": "-", "≈": "~", "✗": "x", "·": ".",
}  # fmt: skip


def _latin1(text: str) -> str:
    for k, v in _LATIN1.items():
        text = text.replace(k, v)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(assessment, figures: dict[str, str] | None = None) -> bytes:
    """The same content as :func:`render_report`, laid out as an A4 landscape PDF by fpdf2."""
    from fpdf import FPDF

    html = _template().render(c=_content(assessment, figures), pdf=True, css="")
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_title("anagen assessment")
    pdf.set_creator("anagen")
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    body = html[html.index("<body>") + 6 : html.index("</body>")]
    pdf.write_html(_latin1(body), table_line_separators=True)
    return bytes(pdf.output())


def check_report_path(path: str | Path) -> Path:
    """Validate a report path before any work: ``.html`` or ``.pdf``, existing writable directory.

    Raises
    ------
    InputError
        ``field='--report'`` with what is allowed.
    """
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise InputError(field="--report", allowed="a file ending in .html or .pdf", got=str(p))
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
    """Write the report atomically (a temporary file renamed into place): HTML, or the same
    content as a PDF for a ``.pdf`` path."""
    from anagen._io import atomic_write

    p = check_report_path(path)
    if p.suffix.lower() == ".pdf":
        data = render_pdf(assessment)
        with atomic_write(p, "wb", field="--report") as fh:
            fh.write(data)
        return p
    text = render_report(assessment)
    with atomic_write(p, field="--report") as fh:
        fh.write(text)
    return p
