"""Pictures of every hair-loss stage of the patient file: the top of the head seen from above.

Each stage is a handful of shape parameters (how far the hairline has moved back at the temples
and in the middle, a bald or thinning crown, a widened parting, diffuse thinning on the top) and
:func:`stage_svg` draws them as a small SVG: the head outline with nose and ears (face at the
top), hair dark, bare scalp light, thinning in between. The drawings are the project's own,
made from the written definitions of the scales in :mod:`anagen.web._stages` (Norwood 1975 for
men; Ludwig 1977, the Savin scale and the Sinclair scale for women); they are schematic, meant to
help choose a stage, not anatomical measurements.

Geometry is in a 120 x 140 box: head centre (60, 74), half-width 44, half-length 56, so the
front of the head is at y = 18, the ears' line (the mid-coronal line) at y = 74 and the crown at
about y = 88.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["STAGE_PICTURE_ALT", "picture_alt", "stage_picture", "stage_picture_url", "stage_svg"]

_CX, _CY, _RX, _RY = 60.0, 74.0, 44.0, 56.0
_CROWN_Y = 88.0
_SKIN, _HAIR, _LINE = "#f3d7c0", "#3a281c", "#5b4636"


@dataclass(frozen=True, slots=True)
class _Shape:
    """What one stage's drawing shows (lengths in the 120 x 140 box)."""

    temple: float = 0.0  # extra recession at both temples (men)
    middle: float = 0.0  # extra recession in the middle of the front
    even: float = 0.0  # the whole front moved back evenly (Norwood "a" variants)
    even_width: float = 34.0  # half-width where that even recession ends
    crown_bald: float = 0.0  # radius of a bald crown
    crown_thin: float = 0.0  # radius of a thinning crown
    band_thin: bool = False  # the band between front and crown is sparse (Norwood V)
    horseshoe: bool = False  # only the sides and back keep hair (Norwood VII)
    parting: float = 0.0  # width of the central parting (women)
    parting_front: float = 0.0  # width at the front when the parting widens forwards
    thin: tuple[float, float, float, float, float] | None = None  # cx, cy, rx, ry, how thin 0-1


#: Drawing parameters per stage; each line follows the stage's description in ``_stages``.
_MEN: dict[str, _Shape] = {
    "I": _Shape(temple=2),
    "II": _Shape(temple=9, middle=2),
    "IIa": _Shape(even=11),
    "III": _Shape(temple=22, middle=6),
    "IIIa": _Shape(even=40),
    "III-vertex": _Shape(temple=22, middle=6, crown_thin=13),
    "IV": _Shape(temple=28, middle=12, crown_bald=11),
    "IVa": _Shape(even=60),
    "V": _Shape(temple=34, middle=24, crown_bald=16, band_thin=True),
    "Va": _Shape(even=72),
    "VI": _Shape(even=70, even_width=41, crown_bald=24),
    "VII": _Shape(horseshoe=True),
}
_TOP = 64.0  # centre of the top of the head, where women's diffuse thinning sits
_WOMEN: dict[str, _Shape] = {
    "I": _Shape(parting=3, thin=(_CX, _TOP, 22, 30, 0.4)),
    "II": _Shape(parting=5, thin=(_CX, _TOP + 2, 27, 34, 0.6)),
    "III": _Shape(parting=7, thin=(_CX, _TOP + 4, 31, 37, 0.95)),
    "I-1": _Shape(parting=2),
    "I-2": _Shape(parting=3.5, thin=(_CX, _TOP, 8, 30, 0.2)),
    "I-3": _Shape(parting=5, thin=(_CX, _TOP, 11, 31, 0.25)),
    "I-4": _Shape(parting=7, thin=(_CX, _TOP, 14, 32, 0.35)),
    "II-1": _Shape(parting=7, thin=(_CX, _TOP, 24, 32, 0.45)),
    "II-2": _Shape(parting=8, thin=(_CX, _TOP + 2, 28, 35, 0.65)),
    "advanced": _Shape(parting=9, thin=(_CX, _TOP + 4, 32, 38, 0.95)),
    "frontal": _Shape(parting=3, parting_front=11, thin=(_CX, 44, 22, 15, 0.6)),
    "Sinclair-1": _Shape(parting=2),
    "Sinclair-2": _Shape(parting=5),
    "Sinclair-3": _Shape(parting=6, thin=(_CX, _TOP, 13, 31, 0.4)),
    "Sinclair-4": _Shape(parting=7, thin=(_CX, _TOP + 2, 26, 34, 0.6)),
    "Sinclair-5": _Shape(parting=9, thin=(_CX, _TOP + 4, 31, 38, 0.92)),
}
SHAPES: dict[str, dict[str, _Shape]] = {"M": _MEN, "F": _WOMEN}

#: Alt text of each picture: what the drawing shows (the stage's meaning is written next to it).
STAGE_PICTURE_ALT: dict[str, dict[str, str]] = {
    "M": {
        "I": "full hair with a straight front hairline",
        "II": "small bare corners at both temples",
        "IIa": "the whole front hairline a little further back, no temple corners",
        "III": "deep bare corners at both temples, a short peak of hair in the middle",
        "IIIa": "the front bare back to near the ears' line, evenly across",
        "III-vertex": "deep bare temple corners and a thinning patch on the crown",
        "IV": "deeper bare front and a bald crown, a full band of hair between them",
        "IVa": "the front bare back past the ears' line, evenly, crown covered",
        "V": "large bare front and a larger bald crown, joined by a thin, sparse band",
        "Va": "the front bare back to the crown, evenly",
        "VI": "one large bare area from the front over the crown",
        "VII": "bare top; hair only in a horseshoe band at the sides and back",
    },
    "F": {
        "I": "front hairline kept; light thinning on the top around a narrow parting",
        "II": "front hairline kept; clear thinning on the top, scalp showing",
        "III": "front hairline kept; the top almost bare",
        "I-1": "a narrow central parting in full hair",
        "I-2": "a slightly wider central parting",
        "I-3": "a wider central parting, a little thinning beside it",
        "I-4": "a clearly widened parting with thinning beside it",
        "II-1": "thinning spread over the top, parting wide",
        "II-2": "marked thinning over the top, scalp showing widely",
        "advanced": "the top mostly bare, front hairline kept",
        "frontal": "thinning just behind the front hairline; the parting widens towards the front",
        "Sinclair-1": "a narrow central parting in full hair",
        "Sinclair-2": "a wider central parting, hair beside it full",
        "Sinclair-3": "a wide parting with thinning on both sides of it",
        "Sinclair-4": "diffuse thinning over the top",
        "Sinclair-5": "the top largely bare",
    },
}


def _scale(sex: str, stage: str) -> str:
    if sex == "M":
        return "Norwood-Hamilton"
    if stage.startswith("Sinclair"):
        return "Sinclair"
    return "Ludwig" if stage in ("I", "II", "III") else "Savin"


def picture_alt(sex: str, stage: str) -> str:
    """The picture's alt text: scale, stage, view and what the drawing shows."""
    name = stage.replace("Sinclair-", "")
    return (
        f"Drawing of {_scale(sex, stage)} stage {name}, top of the head seen from above "
        f"(face at the top): {STAGE_PICTURE_ALT[sex][stage]}"
    )


def stage_picture_url(sex: str, stage: str) -> str:
    """Where the app serves the picture (``/stage-pictures/M/III.svg``)."""
    return f"/stage-pictures/{sex}/{stage}.svg"


def stage_picture(sex: str, stage: str) -> dict[str, str] | None:
    """``{"url", "alt"}`` of a stage's picture, or ``None`` for a stage without one."""
    if stage not in SHAPES.get(sex, {}):
        return None
    return {"url": stage_picture_url(sex, stage), "alt": picture_alt(sex, stage)}


def _front_edge(x: float) -> float:
    """y of the head's outline at the front, at abscissa x."""
    u = (x - _CX) / _RX
    return _CY - _RY * math.sqrt(max(0.0, 1.0 - u * u))


def _hairline_depth(dx: float, s: _Shape) -> float:
    """How far behind the head's front outline the hair begins, at distance dx from the middle."""
    a = abs(dx)
    forehead = 5.0 * min(1.0, max(0.0, (38.0 - a) / 12.0))
    temple = s.temple * math.exp(-(((a - 19.0) / 9.0) ** 2))
    middle = s.middle * math.exp(-((dx / 14.0) ** 2))
    even = s.even * min(1.0, max(0.0, (s.even_width - a) / 12.0))
    side = min(1.0, max(0.0, (42.0 - a) / 10.0))  # the hair at the sides stays
    return forehead + side * max(temple, middle, even)


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _front_bald(s: _Shape) -> str:
    """Polygon of the bare front: above the hairline, clipped to the head by the caller."""
    pts = []
    for i in range(0, 93):
        x = _CX - _RX - 2 + i
        pts.append((x, _front_edge(x) + _hairline_depth(x - _CX, s)))
    pts += [(_CX + _RX + 2, 0.0), (_CX - _RX - 2, 0.0)]
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in pts)


def _ellipse(cx: float, cy: float, rx: float, ry: float, extra: str) -> str:
    return f'<ellipse cx="{_num(cx)}" cy="{_num(cy)}" rx="{_num(rx)}" ry="{_num(ry)}" {extra}/>'


def _parting(s: _Shape) -> str:
    """The central parting from just behind the front hairline to the crown."""
    y0, y1 = _CY - _RY + 8.0, _CROWN_Y + 4.0
    front = max(s.parting, s.parting_front) / 2
    back = s.parting / 2
    return (
        f'<path d="M{_num(_CX - front)},{_num(y0)} L{_num(_CX + front)},{_num(y0)} '
        f'L{_num(_CX + back)},{_num(y1)} L{_num(_CX - back)},{_num(y1)} Z" '
        f'fill="{_SKIN}"/>'
    )


def _body(s: _Shape) -> list[str]:
    out = [f'<ellipse cx="60" cy="74" rx="44" ry="56" fill="{_HAIR}"/>']
    if s.horseshoe:
        out.append(_ellipse(_CX, 66, 32, 52, f'fill="{_SKIN}"'))
    else:
        out.append(f'<polygon points="{_front_bald(s)}" fill="{_SKIN}"/>')
    if s.band_thin:  # the sparse band between the bare front and the bald crown
        out.append(_ellipse(_CX, 64, 14, 22, f'fill="{_SKIN}" fill-opacity="0.6"'))
    if s.crown_thin:
        out.append(_ellipse(_CX, _CROWN_Y, s.crown_thin, s.crown_thin * 0.9, 'fill="url(#thin)"'))
    if s.crown_bald:
        out.append(_ellipse(_CX, _CROWN_Y, s.crown_bald, s.crown_bald * 0.9, f'fill="{_SKIN}"'))
    if s.parting:
        out.append(_parting(s))
    if s.thin:
        cx, cy, rx, ry, _ = s.thin
        out.append(_ellipse(cx, cy, rx, ry, 'fill="url(#thin)"'))
    return out


@lru_cache(maxsize=64)
def stage_svg(sex: str, stage: str) -> str:
    """The SVG picture of one stage (``sex`` "M" or "F", a stage of the patient file).

    Raises
    ------
    KeyError
        For a stage that does not exist for that sex.
    """
    s = SHAPES[sex][stage]
    # diffuse thinning: skin showing through, strongest in the middle and fading at the edge
    how_thin = s.thin[4] if s.thin else 0.6
    title = picture_alt(sex, stage)
    uid = f"{sex}-{stage}"  # ids unique per picture, so several can share one page inline
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 140" width="120" height="140" '
        'role="img">',
        f"<title>{title}</title>",
        "<defs>",
        f'<clipPath id="head-{uid}"><ellipse cx="60" cy="74" rx="44" ry="56"/></clipPath>',
        f'<radialGradient id="thin-{uid}">',
        f'<stop offset="0" stop-color="{_SKIN}" stop-opacity="{_num(how_thin)}"/>',
        f'<stop offset="0.55" stop-color="{_SKIN}" stop-opacity="{_num(how_thin)}"/>',
        f'<stop offset="1" stop-color="{_SKIN}" stop-opacity="0"/>',
        "</radialGradient>",
        "</defs>",
        f'<g fill="{_SKIN}" stroke="{_LINE}" stroke-width="1.5">',
        '<ellipse cx="15" cy="78" rx="5" ry="10"/><ellipse cx="105" cy="78" rx="5" ry="10"/>',
        '<path d="M53,21 Q60,4 67,21 Z"/>',
        "</g>",
        f'<g clip-path="url(#head-{uid})">',
        *(b.replace("url(#thin)", f"url(#thin-{uid})") for b in _body(s)),
        "</g>",
        f'<ellipse cx="60" cy="74" rx="44" ry="56" fill="none" stroke="{_LINE}" '
        'stroke-width="1.5"/>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
