"""The report's charts as SVG drawn on the server by pygal: no JavaScript, so the same
string shows inline in a page and in the PDF (WeasyPrint draws SVG itself).

Each function takes the report's Figures and returns an SVG document as a string. Labels
are translated when the chart is drawn, so draw it under the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from xml.etree import ElementTree as ET

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from . import formatting
from .figures import Figures

# The site's palette (sladesk/static/sladesk/sladesk.css), so charts match the page.
INK = "#1c2430"
MUTED = "#5b6675"
LINE = "#dfe3e8"
PAPER = "#ffffff"
ACCENT = "#0b6e4f"
WATCH = "#8a6d00"
WARN = "#a84f00"
DANGER = "#b3261e"
# Debian's fonts-noto-cjk names it so; without a CJK font, Chinese labels come out as boxes.
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

COLORS = (ACCENT, MUTED, WATCH, WARN, DANGER, INK)
STYLE = {
    "font_family": FONT,
    "background": PAPER,
    "plot_background": PAPER,
    "foreground": INK,
    "foreground_strong": INK,
    "foreground_subtle": LINE,
    "opacity": "1",
    "opacity_hover": "1",
    "transition": "0ms",
    "title_font_size": 15,
    "legend_font_size": 12,
    "label_font_size": 11,
    "major_label_font_size": 11,
    "value_font_size": 11,
    "no_data_font_size": 16,
}
WIDTH, HEIGHT = 480, 300  # small, so the text stays legible in half a PDF page

XmlFilter = Callable[[ET.Element], ET.Element]


def volumes(f: Figures) -> str:
    """Tickets per priority, a bar each."""
    chart = _chart(
        pygal.Bar,
        _("Tickets per priority"),
        show_legend=False,
        print_values=True,
        **_count_axis(max(f.by_priority.values(), default=0)),
    )
    chart.x_labels = list(f.by_priority)
    chart.add(_("Tickets"), list(f.by_priority.values()))
    return _render(chart)


def compliance(f: Figures) -> str:
    """Compliance per priority, a bar per metric, each with its goal marked across it."""
    metrics = list(dict.fromkeys(row.metric for row in f.compliance))
    rows = {(row.metric, row.priority): row for row in f.compliance}
    chart = _chart(
        pygal.Bar,
        _("Compliance against the goal"),
        colors=(*COLORS[: len(metrics)], INK),  # the legend's goal in the marks' colour
        range=(0, 1),
        value_formatter=formatting.percent,
        y_labels=[0, 0.2, 0.4, 0.6, 0.8, 1],
    )
    chart.x_labels = list(f.priorities)
    goals = []
    for name in metrics:
        cells = [rows.get((name, prio)) for prio in f.priorities]
        chart.add(formatting.metric(name), [c.rate if c else None for c in cells])
        goals.append([c.goal if c else None for c in cells])
    # A series with no bars, for the legend entry that explains the marks.
    chart.add(_("Goal"), [None] * len(f.priorities))
    chart.add_xml_filter(_goal_marks(chart, goals))
    return _render(chart)


def trend(f: Figures) -> str:
    """Compliance in percent (left axis) and tickets (right axis) over the trend's periods.

    pygal labels both axes with one formatter and puts the right axis's labels at the left
    one's heights, so compliance is drawn as 0–100 and the right axis gets a round top.
    """
    top = _round_top(max([p.tickets for p in f.trend], default=0))
    chart = _chart(
        pygal.Line,
        _("Compliance and tickets by period"),
        range=(0, 100),
        y_labels=[0, 20, 40, 60, 80, 100],
        secondary_range=(0, top),
        value_formatter=lambda value: formatting.decimal(value, 0),
        y_title=_("Compliance (%)"),
        dots_size=3,
        allow_interruptions=True,  # a period with nothing measured is a gap, not a slope
    )
    chart.x_labels = [p.label for p in f.trend]
    percents = [None if p.compliance is None else p.compliance * 100 for p in f.trend]
    chart.add(_("Compliance (%)"), percents)
    chart.add(_("Tickets"), [p.tickets for p in f.trend], secondary=True)
    return _render(chart)


def ratings(f: Figures) -> str:
    """How many tickets got each rating from 1 to 5."""
    chart = _chart(
        pygal.Bar,
        _("Satisfaction ratings"),
        show_legend=False,
        print_values=True,
        **_count_axis(max(f.ratings.values(), default=0)),
    )
    chart.x_labels = [str(score) for score in range(1, 6)]
    chart.add(_("Tickets"), [f.ratings.get(score, 0) for score in range(1, 6)])
    return _render(chart)


def _count_axis(most: int) -> dict[str, Any]:
    """An axis of whole numbers (pygal would label 0.2, 0.4, … under a count of 2)."""
    top = _round_top(most)
    return {"range": (0, top), "y_labels": list(range(0, top + 1, top // 5))}


def _round_top(count: int, steps: int = 5) -> int:
    """The lowest axis top at or above `count` whose `steps` steps are 1, 2 or 5 x 10^n."""
    scale = 1
    count = max(count, 1)
    while True:
        for step in (1, 2, 5):
            if step * scale * steps >= count:
                return step * scale * steps
        scale *= 10


def _chart(
    kind: type[pygal.graph.graph.Graph],
    title: str,
    colors: Sequence[str] = COLORS,
    **options: Any,
) -> Any:
    return kind(
        title=title,
        style=Style(colors=tuple(colors), **STYLE),
        width=WIDTH,
        height=HEIGHT,
        js=[],  # no scripts: the SVG is a picture, in the page and in the PDF
        disable_xml_declaration=True,  # it goes inline in HTML
        legend_at_bottom=True,
        legend_at_bottom_columns=4,
        show_y_guides=True,
        no_data_text=_("No data"),
        truncate_legend=-1,  # legends are short; pygal would cut "Compliance (%)"
        print_values_position="top",
        **options,
    )


def _render(chart: Any) -> str:
    chart.add_xml_filter(_as_picture)
    return chart.render(is_unicode=True)


def _as_picture(svg: ET.Element) -> ET.Element:
    """What a static picture needs of pygal's interactive SVG.

    pygal writes its config as a script even with `js=[]`, and ids for the script's legend
    (`activate-serie-0`) that repeat in every chart of a page. Its guide lines are black
    dashes; the site draws rules in its line colour.
    """
    chart_id = svg.get("id", "")
    for parent in list(svg.iter()):
        for child in list(parent):
            if _local(child.tag) == "script":
                parent.remove(child)
            elif child.get("id", "").startswith("activate-serie"):
                del child.attrib["id"]
            elif _local(child.tag) == "style":
                child.text = (child.text or "") + (
                    f"#{chart_id} .axis .guide.line,#{chart_id} .axis .major.guide.line"
                    f"{{stroke:{LINE};stroke-dasharray:none}}"
                )
    return svg


def _local(tag: Any) -> str:
    """An element's name without its namespace; "" for comments (whose tag is a function)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _goal_marks(chart: Any, goals: Sequence[Sequence[float | None]]) -> XmlFilter:
    """A filter drawing each goal as a line across its bar, at the goal's height.

    pygal has no bar-and-line chart; the filter runs while the chart is drawn, when
    `chart.view` still maps values to the plot's coordinates.
    """

    def draw(svg: ET.Element) -> ET.Element:
        for index, series_goals in enumerate(goals):
            group = _series_group(svg, index)
            if group is None:
                continue
            values = chart.series[index].values
            bars = iter([child for child in group.iter() if _local(child.tag) == "rect"])
            for value, goal in zip(values, series_goals, strict=True):
                if value is None:
                    continue  # pygal draws no bar for a missing value
                bar = next(bars)
                if goal is not None:
                    _mark(group, bar, chart.view.y(goal))
        return svg

    return draw


def _series_group(svg: ET.Element, index: int) -> ET.Element | None:
    for group in svg.iter():
        if _local(group.tag) == "g" and f"serie-{index}" in group.get("class", "").split():
            return group
    return None


def _mark(group: ET.Element, bar: ET.Element, y: float) -> None:
    x, width = float(bar.get("x", 0)), float(bar.get("width", 0))
    ET.SubElement(
        group,
        "path",
        {
            "d": f"M{x - 3:.2f} {y:.2f} h{width + 6:.2f}",
            "class": "goal",
            # attributes, not a style: a page's CSS parser would take `style` for HTML
            "stroke": INK,
            "stroke-width": "3",
            "fill": "none",
        },
    )
