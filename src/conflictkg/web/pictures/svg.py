"""Small helpers shared by the SVG renderers: escaping, number formatting, links, labels.

Every text and attribute value that reaches an SVG passes through :func:`text` or
:func:`attrs`, so a label such as ``<script>`` can never become markup.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

SVG_NS = "http://www.w3.org/2000/svg"

# Labels are measured by an estimate, not by a font: the average advance of a character in
# the common sans-serif fonts is at most about 0.6 em (0.66 bold), which keeps the layout
# deterministic and free of font files.
CHAR_WIDTH = 0.6
BOLD_CHAR_WIDTH = 0.66

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def text(value: str) -> str:
    """``value`` escaped for XML character data."""
    return escape(value)


def attrs(**values: str | float | int | None) -> str:
    """Attributes as `` name="value"``, escaped, in the given order; ``None`` is left out.

    A trailing underscore is dropped (``class_``) and other underscores become hyphens
    (``font_size``), so Python keywords and SVG names both work.
    """
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        key = name.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = num(value)
        parts.append(f" {key}={quoteattr(str(value))}")
    return "".join(parts)


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros, the same on every run."""
    rounded = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if rounded in ("-0", "") else rounded


def text_width(value: str, font_size: float, *, bold: bool = False) -> float:
    """Estimated rendered width of ``value`` in user units."""
    return len(value) * font_size * (BOLD_CHAR_WIDTH if bold else CHAR_WIDTH)


def truncate(value: str, max_chars: int) -> str:
    """``value`` cut to ``max_chars`` characters with an ellipsis when longer."""
    return value if len(value) <= max_chars else value[: max_chars - 1].rstrip() + "…"


def document(kind: str, width: float, height: float, title: str, body: list[str]) -> str:
    """A standalone SVG document of the given size, scalable through its viewBox.

    Styling is carried by presentation attributes, not a ``<style>`` element, because the
    pages inline these pictures and a ``<style>`` would leak into the whole HTML page; the
    page's own CSS adds focus and hover states through the ``ckg-picture`` classes and
    scales the picture to its container (no ``style`` attribute: the Content-Security-Policy
    allows no inline style).
    """
    return (
        f'<svg xmlns="{SVG_NS}"'
        + attrs(
            class_=f"ckg-picture ckg-{kind}",
            viewBox=f"0 0 {num(width)} {num(height)}",
            width=num(width),
            height=num(height),
            # A group, not an image: the picture's links stay reachable and announced
            # (role="img" would make them presentational; axe-core: nested-interactive).
            role="group",
            aria_label=title,
            font_family=FONT,
        )
        + f"><title>{text(title)}</title>"
        + "".join(body)
        + "</svg>"
    )


def link(href: str, body: str, *, title: str | None = None, class_: str | None = None) -> str:
    """An SVG ``<a>`` around ``body``; the title becomes a tooltip and an accessible name."""
    tip = f"<title>{text(title)}</title>" if title else ""
    return f"<a{attrs(href=href, class_=class_)}>{tip}{body}</a>"


def el(tag: str, content: str | None = None, **values: str | float | int | None) -> str:
    """An element with escaped attributes; ``content`` is markup (escape text with
    :func:`text` first). Without content the element is self-closing."""
    if content is None:
        return f"<{tag}{attrs(**values)}/>"
    return f"<{tag}{attrs(**values)}>{content}</{tag}>"
