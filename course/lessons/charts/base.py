"""What every chart shares: the Okabe-Ito palette, verdict styles, figures made outside pyplot, and display with alt text.

Every builder in :mod:`course.lessons.charts` returns a matplotlib Figure made
with :func:`new_figure` and sets ``fig.alt_text`` and ``fig.caption``;
:func:`show` embeds it as a PNG with that alt text.
"""

from __future__ import annotations

import base64
import html
import io
import math
import sys

from course.evidence import vocabulary
from course.lessons import content

#: The Okabe-Ito colour-blind-safe palette, by name.
PALETTE = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: One colour and one hatch per verdict (claims.verdict), so a verdict can be told apart in
#: greyscale or by a colour-blind reader; its words are the vocabulary's (notebooks/vocabulary.toml).
VERDICT_STYLES = {
    "accurate": {"colour": PALETTE["bluish_green"], "hatch": ""},
    "partly_accurate": {"colour": PALETTE["yellow"], "hatch": ".."},
    "inaccurate": {"colour": PALETTE["vermillion"], "hatch": "xx"},
    "unverifiable": {"colour": PALETTE["sky_blue"], "hatch": "//"},
    "not_checkable": {"colour": PALETTE["reddish_purple"], "hatch": "\\\\"},
}


def _verdict_style(verdict: str) -> dict:
    return {**VERDICT_STYLES[verdict], "label": vocabulary.VERDICTS[verdict].in_sentence}


#: Colour, hatch and the label in running text, per verdict, in the vocabulary's order (read on first use).
VERDICT_COLOURS = vocabulary.Projection("verdict", _verdict_style)

# --- Display -----------------------------------------------------------------

def _new_figure(width: float, height: float):
    """A Figure with an Agg canvas, outside pyplot's registry (never auto-displayed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _close(fig) -> None:
    # Only pyplot keeps figures alive (and shows them again at the end of a
    # cell); if pyplot was never imported there is nothing to close.
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


def figure_html(fig, alt_text: str | None = None, caption: str | None = None, dpi: int = 100) -> str:
    """The figure as an HTML ``<figure>`` with an embedded PNG, its alt text and a caption.

    The alt text defaults to ``fig.alt_text``, the caption to ``fig.caption``
    (or the alt text). Raises ValueError when there is no alt text: every
    figure the kit shows must describe itself.
    """
    alt = alt_text if alt_text is not None else getattr(fig, "alt_text", None)
    if not alt or not str(alt).strip():
        raise ValueError("this figure has no alt text: pass alt_text=... or set fig.alt_text")
    if caption is None:
        caption = getattr(fig, "caption", None) or alt
    encoded = base64.b64encode(figure_png(fig, dpi)).decode("ascii")
    return (
        '<figure style="margin:0">'
        f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(str(alt), quote=True)}" style="max-width:100%;height:auto">'
        f"<figcaption>{html.escape(str(caption))}</figcaption>"
        "</figure>"
    )


#: Room the one drawing leaves to the right of and above the figure, as a share of its size,
#: for text that runs past the figure's edge (a long title or note); the crop keeps it.
_OVERFLOW = 0.25


def figure_png(fig, dpi: int = 100) -> bytes:
    """The figure as a PNG on white, cut to its tight box padded by 0.1 inch, drawn once.

    ``savefig(bbox_inches=...)`` lays every text out twice: once to measure the
    tight box and again on the new, cropped canvas (text metrics are cached per
    renderer). Here the figure is drawn once on an Agg renderer with room to
    the right and above, the tight box is measured with that same renderer,
    and the box is cut out of the pixels. Content past the figure's left or
    bottom edge, or past that room, falls back to ``savefig``.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.path import Path
    from matplotlib.transforms import Affine2D
    from PIL import Image

    saved_dpi, saved_face = fig.dpi, fig.get_facecolor()
    try:
        if dpi != saved_dpi:
            fig.dpi = dpi
        fig.set_facecolor("white")
        width, height = math.ceil(fig.bbox.width * (1 + _OVERFLOW)), math.ceil(fig.bbox.height * (1 + _OVERFLOW))
        renderer = RendererAgg(width, height, dpi)
        # White under everything, the room beyond the figure's own (white) patch included, as savefig's facecolor gives.
        background = renderer.new_gc()
        background.set_linewidth(0)
        renderer.draw_path(background, Path.unit_rectangle(), Affine2D().scale(width, height), (1.0, 1.0, 1.0))
        background.restore()
        fig.draw(renderer)
        content = fig.get_tightbbox(renderer)  # inches
    finally:
        fig.set_facecolor(saved_face)
        if fig.dpi != saved_dpi:
            fig.dpi = saved_dpi
    if content.x0 < 0 or content.y0 < 0 or content.x1 * dpi > width or content.y1 * dpi > height:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=content.padded(0.1), facecolor="white")
        return buffer.getvalue()
    box = content.padded(0.1)
    # Pixel columns left to right, rows top to bottom (the renderer's y runs up from its bottom edge).
    left, right = round(box.x0 * dpi), round(box.x1 * dpi)
    top, bottom = height - round(box.y1 * dpi), height - round(box.y0 * dpi)
    picture = np.full((bottom - top, right - left, 3), 255, dtype=np.uint8)  # the padding may reach past the renderer: white
    x0, x1, y0, y1 = max(left, 0), min(right, width), max(top, 0), min(bottom, height)
    picture[y0 - top:y1 - top, x0 - left:x1 - left] = np.asarray(renderer.buffer_rgba())[y0:y1, x0:x1, :3]  # opaque: drawn on white
    buffer = io.BytesIO()
    # zlib level 3 (lossless like any level): on the lessons' eight figures about a third faster than the default 6, 2 % smaller in all.
    Image.fromarray(picture).save(buffer, format="png", dpi=(dpi, dpi), compress_level=3)
    return buffer.getvalue()


def show(fig, alt_text: str | None = None, caption: str | None = None):
    """Display-ready HTML for a figure (PNG + alt text + caption); closes the figure.

    Returns an ``IPython.display.HTML`` object: the last line of a cell shows
    it, or pass it to ``display()``. The figure is closed so Jupyter does not
    draw it a second time.
    """
    from IPython.display import HTML

    markup = figure_html(fig, alt_text, caption)
    _close(fig)
    return HTML(markup)



def new_figure(width: float, height: float):
    """A matplotlib Figure outside pyplot (for other modules' charts); pass it to :func:`show`."""
    return _new_figure(width, height)

# --- Small helpers ------------------------------------------------------------

def _vocabulary(table: str, column: str) -> list[str]:
    """The allowed values of a column, in the order the data package lists them."""
    from course.evidence import data

    for field in data.resource(table)["schema"]["fields"]:
        if field["name"] == column:
            return list(field.get("constraints", {}).get("enum", []))
    raise KeyError(f"no column {column!r} in table {table!r}")


def _join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' (the words are notebooks/words.toml's)."""
    return content.joined(items)


def _long_date(value) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


def _plural(count: int, noun: str) -> str:
    """``count`` and a counted noun of notebooks/words.toml (``[counts.<noun>]``), e.g. ``_plural(2, "event")``."""
    return content.counted(noun, count)

