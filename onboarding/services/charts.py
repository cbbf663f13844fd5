"""Horizontal bar charts drawn as SVG on the server: no script, no CDN, readable as is.

The caller passes labels and values together with the texts to show for them, already
formatted for the reader's locale; everything that reaches the SVG is escaped here. Each
chart is an `role="img"` element named by its `<title>`, and each bar carries its own
`<title>` (label, series and value), so screen readers and tooltips get the figures too. The
page shows the same figures in a table next to the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480
BAR_H, BAR_GAP, GROUP_GAP, TOP, BOTTOM = 16, 2, 12, 8, 8
LEGEND_H = 24
VALUE_W = 56  # room right of the longest bar for its value
CHAR_W = 7.0  # generous width of a 12px character, to size the label column
MAX_LABEL = 38
PALETTE = ("#1f6feb", "#8c959f", "#1a7f37", "#9a6700")
TEXT = "#1f2328"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    texts: Sequence[str]  # the values as shown, formatted for the reader


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    max_value: float | None = None,
) -> Markup:
    """One group of bars per label, one bar per series in the group."""
    longest = max((len(_short(text)) for text in labels), default=0)
    label_w = min(240, max(40, round(longest * CHAR_W))) + 12
    plot_w = WIDTH - label_w - VALUE_W
    legend = LEGEND_H if len(series) > 1 else 0
    group_h = len(series) * (BAR_H + BAR_GAP) - BAR_GAP
    height = TOP + legend + len(labels) * (group_h + GROUP_GAP) - GROUP_GAP + BOTTOM
    biggest = max_value or max((v for s in series for v in s.values if v is not None), default=0)
    scale = plot_w / biggest if biggest > 0 else 0
    title_id = f"chart-{chart_id}-title"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {max(height, 30)}" '
        f'class="chart" id="chart-{escape(chart_id)}" width="100%" role="img" '
        f'aria-labelledby="{escape(title_id)}" font-family="system-ui, sans-serif" '
        f'font-size="12">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
    ]
    if legend:
        legend_w = sum(16 + round(len(one.name) * CHAR_W) + 24 for one in series) - 24
        x = max(0, min(label_w, WIDTH - legend_w))  # longer names (nl, af) move it left
        for index, one in enumerate(series):
            color = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{x}" y="{TOP}" width="12" height="12" fill="{color}"/>'
                f'<text x="{x + 16}" y="{TOP + 10}" fill="{TEXT}">{escape(one.name)}</text>'
            )
            x += 16 + round(len(one.name) * CHAR_W) + 24
    for row, label in enumerate(labels):
        top = TOP + legend + row * (group_h + GROUP_GAP)
        parts.append(
            f'<text x="{label_w - 8}" y="{top + group_h / 2 + 4:.0f}" text-anchor="end" '
            f'fill="{TEXT}">{escape(_short(label))}<title>{escape(label)}</title></text>'
        )
        for index, one in enumerate(series):
            y = top + index * (BAR_H + BAR_GAP)
            value, shown = one.values[row], one.texts[row]
            color = PALETTE[index % len(PALETTE)]
            width = 0.0 if value is None else max(value * scale, 1.0 if value > 0 else 0.0)
            tooltip = escape(f"{label} · {one.name}: {shown}" if legend else f"{label}: {shown}")
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="{BAR_H}" '
                f'fill="{color}"><title>{tooltip}</title></rect>'
                f'<text x="{label_w + width + 4:.1f}" y="{y + BAR_H - 4}" fill="{TEXT}">'
                f"{escape(shown)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
