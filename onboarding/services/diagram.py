"""The workflow drawn as SVG on the server, from the same definition the machine is built on.

No script and no CDN: the page embeds the SVG inline. Main-line phases sit on the top row in
definition order, side states (`"row": 1` in the definition) below; forward steps between
neighbours are straight arrows, jumps and returns are arcs above, and transitions to and
from side states are dashed.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from workflows.engine import Workflow

BOX_W, BOX_H, GAP, MARGIN = 150, 48, 46, 20
ROW_Y = (70, 210)
COLORS = {"box": "#f4f6f8", "current": "#1f6feb", "line": "#57606a", "text": "#1f2328"}


def render(workflow: Workflow, current: str, labels: dict[str, str], edge_labels: dict) -> Markup:
    rows: dict[int, list[str]] = {0: [], 1: []}
    for name in workflow.states:
        rows[workflow.state_info[name].get("row", 0)].append(name)
    pos: dict[str, tuple[float, float]] = {}
    for row, names in rows.items():
        width = len(names) * BOX_W + (len(names) - 1) * GAP
        start = MARGIN + (len(rows[0]) * (BOX_W + GAP) - GAP - width) / 2
        for index, name in enumerate(names):
            pos[name] = (start + index * (BOX_W + GAP), ROW_Y[row])
    total_w = MARGIN * 2 + len(rows[0]) * (BOX_W + GAP) - GAP
    total_h = ROW_Y[1] + BOX_H + MARGIN

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:.0f} {total_h}" '
        f'class="workflow-diagram" role="img" aria-labelledby="wf-title">',
        f'<title id="wf-title">{escape(edge_labels["_title"])}</title>',
        "<defs>"
        f'<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        f'fill="{COLORS["line"]}"/></marker></defs>',
    ]
    drawn: set[frozenset] = set()
    arc_level = 0
    edges = _unique_edges(workflow)
    pairs = {(s, d) for s, d, _ in edges}
    for source, dest, trigger in edges:
        title = escape(edge_labels.get(trigger, trigger))
        sx, sy = pos[source]
        dx, dy = pos[dest]
        pair = frozenset((source, dest))
        two_way = (dest, source) in pairs
        if two_way and pair in drawn:
            continue
        drawn.add(pair)
        markers = 'marker-end="url(#arrow)"' + (' marker-start="url(#arrow)"' if two_way else "")
        same_row = sy == dy
        neighbours = same_row and abs(dx - sx) <= BOX_W + GAP + 1 and dx > sx
        if neighbours:
            path = f"M{sx + BOX_W:.0f},{sy + BOX_H / 2:.0f} L{dx:.0f},{dy + BOX_H / 2:.0f}"
            parts.append(
                f'<path d="{path}" stroke="{COLORS["line"]}" stroke-width="2" '
                f'fill="none" {markers}><title>{title}</title></path>'
            )
        elif same_row and sy == ROW_Y[0]:
            arc_level += 1
            lift = 22 + 16 * arc_level
            x1, x2 = sx + BOX_W / 2, dx + BOX_W / 2
            path = f"M{x1:.0f},{sy:.0f} C{x1:.0f},{sy - lift:.0f} {x2:.0f},{sy - lift:.0f} " \
                   f"{x2:.0f},{dy:.0f}"  # fmt: skip
            parts.append(
                f'<path d="{path}" stroke="{COLORS["line"]}" stroke-width="1.5" '
                f'fill="none" {markers}><title>{title}</title></path>'
            )
            parts.append(
                f'<text x="{(x1 + x2) / 2:.0f}" y="{sy - lift * 0.75 - 2:.0f}" '
                f'text-anchor="middle" font-size="11" fill="{COLORS["text"]}">'
                f"{title}</text>"
            )
        else:
            x1 = sx + BOX_W / 2 if not same_row else sx + BOX_W
            x2 = dx + BOX_W / 2 if not same_row else dx
            y1 = sy + BOX_H if sy < dy else (sy if sy > dy else sy + BOX_H / 2)
            y2 = dy if sy < dy else (dy + BOX_H if sy > dy else dy + BOX_H / 2)
            parts.append(
                f'<path d="M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}" '
                f'stroke="{COLORS["line"]}" stroke-width="1" stroke-dasharray="4 3" '
                f'fill="none" {markers}><title>{title}</title></path>'
            )
    for name, (x, y) in pos.items():
        is_current = name == current
        fill = COLORS["current"] if is_current else COLORS["box"]
        text_fill = "#ffffff" if is_current else COLORS["text"]
        weight = "bold" if is_current else "normal"
        current_attr = ' aria-current="step"' if is_current else ""
        label = labels[name]
        # Shrink long labels (Afrikaans and Dutch run longer) so they stay inside the box.
        size = 13 if len(label) <= 16 else max(9, round(13 * 16 / len(label)))
        parts.append(
            f'<g class="phase{" current" if is_current else ""}" data-phase="{name}"'
            f"{current_attr}>"
            f'<rect x="{x:.0f}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" '
            f'stroke="{COLORS["line"]}"/>'
            f'<text x="{x + BOX_W / 2:.0f}" y="{y + BOX_H / 2 + 5:.0f}" text-anchor="middle" '
            f'font-size="{size}" font-weight="{weight}" fill="{text_fill}">'
            f"{escape(label)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _unique_edges(workflow: Workflow) -> list[tuple[str, str, str]]:
    seen: dict[tuple[str, str], str] = {}
    for source, dest, trigger in workflow.edges():
        seen.setdefault((source, dest), trigger)
    return [(s, d, t) for (s, d), t in seen.items()]
