"""Accessible bar charts as inline SVG, drawn on the server (no JavaScript, nothing from a CDN).

The SVG is an image with a title and a description (role="img", aria-labelledby); each bar has a
tooltip (<title>) and its number printed above it, a second series is hatched and named in a legend,
so colour is never the only cue. Colours come from the CSS classes in static/css/app.css (the style
sheet's variables), not from inline styles, which the content security policy forbids. The page
puts a table with the same numbers right after the chart."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

TOP, BOTTOM, LEFT, RIGHT = 40, 52, 56, 12
PLOT_HEIGHT = 180
WIDTH = 960  # every chart has the same scale, so their texts are the same size side by side
MAX_BAR = 48


@dataclass(frozen=True)
class Category:
    label: str  # under the bar, short ("Mar")
    name: str  # in the tooltip ("March 2026")
    note: str = ""  # a second line under the label (the year at January and at the start)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]
    hatched: bool = False


def nice_ceiling(value: int) -> tuple[int, int]:
    """(top of the axis, step between ticks): the smallest 1, 2 or 5 × 10ⁿ step that covers value
    in at most five steps."""
    if value <= 0:
        return 1, 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            if candidate * 5 >= value:
                return candidate * -(-value // candidate), candidate
        step *= 10


def _text(x: float, y: float, content, css: str, anchor: str = "middle", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}"{extra}>'
            f"{escape(content)}</text>")


def _axes(width: float, top_value: int, step: int, y_label: str, x_label: str) -> list[str]:
    bottom = TOP + PLOT_HEIGHT
    parts = []
    for tick in range(0, top_value + 1, step):
        y = bottom - PLOT_HEIGHT * tick / top_value
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" '
                     f'class="chart-grid"/>')
        parts.append(_text(LEFT - 6, y + 4, tick, "chart-tick", "end"))
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" class="chart-axis"/>')
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{width - RIGHT}" y2="{bottom}" '
                 f'class="chart-axis"/>')
    middle = TOP + PLOT_HEIGHT / 2
    parts.append(_text(14, middle, y_label, "chart-axis-label",
                       extra=f' transform="rotate(-90 14 {middle})"'))
    parts.append(_text(LEFT + (width - LEFT - RIGHT) / 2, bottom + BOTTOM - 4, x_label, "chart-axis-label"))
    return parts


def _legend(chart_id: str, series: list[Series]) -> list[str]:
    parts, x = [], LEFT
    for number, one in enumerate(series):
        fill = f' fill="url(#{chart_id}-hatch)"' if one.hatched else ""
        css = "chart-bar chart-bar-hatched" if one.hatched else f"chart-bar chart-bar-{number}"
        parts.append(f'<rect x="{x}" y="8" width="14" height="14" class="{css}"{fill}/>')
        parts.append(_text(x + 20, 20, one.name, "chart-legend", "start"))
        x += 40 + 8 * len(one.name)
    return parts


def _bars(chart_id: str, categories: list[Category], series: list[Series], top_value: int) -> list[str]:
    bottom = TOP + PLOT_HEIGHT
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    bar_width = min(slot / len(series) - 4, MAX_BAR)
    parts = []
    for index, category in enumerate(categories):
        left = LEFT + index * slot + (slot - len(series) * (bar_width + 4)) / 2 - 2
        for number, one in enumerate(series):
            value = one.values[index]
            height = PLOT_HEIGHT * value / top_value
            x = left + 2 + number * (bar_width + 4)
            fill = f' fill="url(#{chart_id}-hatch)"' if one.hatched else ""
            css = "chart-bar chart-bar-hatched" if one.hatched else f"chart-bar chart-bar-{number}"
            parts.append(f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{bar_width:.1f}" '
                         f'height="{height:.1f}" class="{css}"{fill}>'
                         f"<title>{escape(category.name)}, {escape(one.name)}: {value}</title></rect>")
            parts.append(_text(x + bar_width / 2, bottom - height - 4, value, "chart-value"))
        centre = LEFT + index * slot + slot / 2
        parts.append(_text(centre, bottom + 16, category.label, "chart-tick"))
        if category.note:
            parts.append(_text(centre, bottom + 30, category.note, "chart-tick"))
    return parts


def bar_chart(chart_id: str, title: str, description: str, categories: list[Category],
              series: list[Series], y_label: str, x_label: str) -> Markup:
    """An SVG bar chart (grouped bars when there are several series), safe to put in a template.
    chart_id must be unique on the page; it prefixes the ids of the title, description and hatch."""
    width, height = WIDTH, TOP + PLOT_HEIGHT + BOTTOM
    top_value, step = nice_ceiling(max((v for one in series for v in one.values), default=0))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
             f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             f'patternTransform="rotate(45)"><rect width="6" height="6" class="chart-hatch-ground"/>'
             f'<line x1="0" y1="0" x2="0" y2="6" class="chart-hatch-line"/></pattern></defs>']
    parts += _axes(width, top_value, step, y_label, x_label)
    if len(series) > 1:
        parts += _legend(chart_id, series)
    parts += _bars(chart_id, categories, series, top_value)
    parts.append("</svg>")
    svg = "".join(parts)
    return Markup(svg)  # noqa: S704  (every text in it went through escape())  # nosec B704
