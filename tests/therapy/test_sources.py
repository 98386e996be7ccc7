"""Every default number traces to a source listed in docs/therapy.md."""

from __future__ import annotations

import pathlib
import re

import anagen.therapy as therapy
from anagen.therapy import DEFAULT_PRIORS, PRODUCTS, SOURCES, load_options, standard_options
from anagen.therapy.harvest import (
    ADIPOSE_CELLS_PER_G,
    DONOR_PRIORS,
    MARROW_CELLS_PER_ML,
    PUNCH_CELLS_PER_4MM2,
)
from anagen.therapy.process import METHOD_PRIORS

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "therapy.md").read_text(encoding="utf-8")
TAG = re.compile(r"\[((?:T\d+b?)|(?:C\d+)|(?:S\d+)|DSC20)\]")


def _all_priors():
    out = [ADIPOSE_CELLS_PER_G, MARROW_CELLS_PER_ML, PUNCH_CELLS_PER_4MM2, *DONOR_PRIORS.values()]
    for rec, via in METHOD_PRIORS.values():
        out += [rec, via]
    out += [p.reference_dose for p in PRODUCTS.values()]
    out += [getattr(DEFAULT_PRIORS, k) for k in DEFAULT_PRIORS.__dataclass_fields__]
    for t in standard_options():
        out += list(t.priors().values())
    return out


def test_docs_list_every_source_with_its_url():
    for s in SOURCES.values():
        assert f"| {s.tag} | {s.citation} | {s.url} | {s.grade} |" in DOC, s.tag


def test_docs_list_every_prior_with_its_numbers():
    for p in _all_priors():
        row = f"| `{p.name}` | {p.median:.4g} | {p.low:.4g}–{p.high:.4g} | {p.unit} | {p.dist} |"
        assert row in DOC, row


def test_every_tag_cited_in_the_package_is_listed():
    root = pathlib.Path(therapy.__file__).parent
    cited = set()
    for f in root.rglob("*"):
        if f.suffix in {".py", ".toml", ".csv"}:
            cited |= set(TAG.findall(f.read_text(encoding="utf-8")))
    for o in load_options().values():
        cited |= {t for v in o.sources.values() for t in v}
    assert cited, "no citations found"
    assert cited <= set(SOURCES), cited - set(SOURCES)


def test_every_sourced_prior_names_a_source_or_says_it_is_an_assumption():
    for p in _all_priors():
        fixed = p.low == p.high  # a definition (e.g. recovery 1 by construction) needs no range
        assert p.sources or p.assumption or fixed or p.note, p.name
