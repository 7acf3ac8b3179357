"""The topology of a flow as server-side SVG: tasks left to right, flowables as boxes holding
their branches, errors and finally below, triggers on the left; coloured by task run state."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from executions.engine.plan import DAG, EACH_PARALLEL, IF, PARALLEL, SWITCH, FlowPlan, Node

NODE_W, NODE_H = 170, 46
GAP_X, GAP_Y, PAD = 22, 30, 12
LABEL_H = 16
_PARALLEL = {PARALLEL, EACH_PARALLEL, DAG}


@dataclass
class Block:
    """A laid-out piece: size, the x of its in/out port (top and bottom edges), and how to
    draw it at (x, y). Flows read top to bottom; branches sit side by side."""

    w: float
    h: float
    port: float
    parts: list = field(default_factory=list)  # callables (x, y) -> list[str]

    def draw(self, x: float, y: float) -> list[str]:
        out: list[str] = []
        for part in self.parts:
            out.extend(part(x, y))
        return out


def _short(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _arrow(x1: float, y1: float, x2: float, y2: float, css: str = "edge") -> str:
    """From a bottom port down to a top port, with an elbow when they are not aligned."""
    if abs(x1 - x2) < 0.5:
        path = f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}"
    else:
        mid = y1 + min(GAP_Y / 2, (y2 - y1) / 2)
        path = f"M{x1:.0f},{y1:.0f} L{x1:.0f},{mid:.0f} L{x2:.0f},{mid:.0f} L{x2:.0f},{y2:.0f}"
    return f'<path class="{css}" d="{path}" marker-end="url(#arrow)"/>'


class GraphSvg:
    def __init__(self, plan: FlowPlan, states: dict[str, str] | None = None) -> None:
        self.plan = plan
        self.states = states or {}

    # ---- pieces -----------------------------------------------------------------------------

    def node(self, node_id: str, kind_label: str, css: str, state: str | None) -> Block:
        title = escape(_clip(node_id, 22))
        sub = escape(_clip(kind_label, 26))
        state_css = f" state-{state}" if state else ""
        state_text = f" · {state}" if state else ""

        def draw(x: float, y: float) -> list[str]:
            return [
                f'<g class="node {css}{state_css}" data-task-id="{escape(node_id)}"'
                f' data-state="{state or ""}"><title>{escape(node_id)} ({escape(kind_label)})'
                f"{state_text}</title>"
                f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
                f'<text class="t1" x="{x + 10:.0f}" y="{y + 19:.0f}">{title}</text>'
                f'<text class="t2" x="{x + 10:.0f}" y="{y + 36:.0f}">{sub}{state_text}</text></g>'
            ]

        return Block(NODE_W, NODE_H, NODE_W / 2, [draw])

    def task(self, node: Node, error: bool = False) -> Block:
        if node.kind == "flowable":
            return self.cluster(node, error)
        css = "task error-branch" if error else "task"
        if node.disabled:
            css += " disabled"
        return self.node(node.id, _short(node.type), css, self.states.get(node.id))

    def sequence(self, blocks: list[Block]) -> Block:
        """Blocks top to bottom, ports aligned, joined by arrows."""
        if not blocks:
            return Block(0, 0, 0)
        port = max(b.port for b in blocks)
        right = max(b.w - b.port for b in blocks)
        height = sum(b.h for b in blocks) + GAP_Y * (len(blocks) - 1)

        def draw(x: float, y: float) -> list[str]:
            out, cy = [], y
            for index, block in enumerate(blocks):
                out.extend(block.draw(x + port - block.port, cy))
                if index < len(blocks) - 1:
                    out.append(_arrow(x + port, cy + block.h, x + port, cy + block.h + GAP_Y))
                cy += block.h + GAP_Y
            return out

        return Block(port + right, height, port, [draw])

    def rows(self, head: Block, rows: list[tuple[str, Block, str]]) -> Block:
        """A head block with labelled branches side by side below it, each joined from it."""
        rows = [r for r in rows if r[1].w]
        widths = [max(block.w, 8 + 7 * len(label)) for label, block, _ in rows]
        cols_w = sum(widths) + GAP_X * max(len(rows) - 1, 0)
        below = max((LABEL_H + block.h for _, block, _ in rows), default=0)
        width = max(head.w, cols_w)
        height = head.h + (GAP_Y + below if rows else 0)

        def draw(x: float, y: float) -> list[str]:
            out = head.draw(x, y)
            cx, top = x, y + head.h + GAP_Y
            for (label, block, css), col_w in zip(rows, widths, strict=True):
                out.append(
                    f'<text class="branch {css}" x="{cx:.0f}" y="{top + 11:.0f}">'
                    f"{escape(label)}</text>"
                )
                out.extend(block.draw(cx, top + LABEL_H))
                out.append(_arrow(x + head.port, y + head.h, cx + block.port, top + LABEL_H, css))
                cx += col_w + GAP_X
            return out

        return Block(width, height, head.port, [draw])

    def branches(self, node: Node, error: bool) -> list[tuple[str, Block, str]]:
        rows: list[tuple[str, Block, str]] = []
        if node.type == IF:
            for name in ("then", "else"):
                rows.append((name, self.chain(node.enabled(name), error), "edge"))
        elif node.type == SWITCH:
            for name, items in node.branches.items():
                if name.startswith("case:") or name == "defaults":
                    label = "case " + name.removeprefix("case:") if name != "defaults" else name
                    rows.append(
                        (label, self.chain([n for n in items if not n.disabled], error), "edge")
                    )
        elif node.type in _PARALLEL:
            for child in node.enabled("tasks"):
                label = "parallel"
                if child.depends_on:
                    label = "after " + ", ".join(child.depends_on)
                rows.append((label, self.task(child, error), "edge"))
        else:
            tasks = node.enabled("tasks")
            if tasks:
                rows.append(("tasks", self.chain(tasks, error), "edge"))
        if node.enabled("errors"):
            rows.append(("errors", self.chain(node.enabled("errors"), True), "edge error"))
        if node.enabled("finally"):
            rows.append(("finally", self.chain(node.enabled("finally"), error), "edge finally"))
        return rows

    def cluster(self, node: Node, error: bool) -> Block:
        head = self.node(
            node.id,
            _short(node.type),
            "task flowable" + (" error-branch" if error else ""),
            self.states.get(node.id),
        )
        inner = self.rows(head, self.branches(node, error))
        w, h = inner.w + 2 * PAD, inner.h + 2 * PAD

        def draw(x: float, y: float) -> list[str]:
            return [
                f'<rect class="cluster" x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}"'
                f' rx="8"/>',
                *inner.draw(x + PAD, y + PAD),
            ]

        return Block(w, h, inner.port + PAD, [draw])

    def chain(self, nodes: list[Node], error: bool = False) -> Block:
        return self.sequence([self.task(n, error) for n in nodes if not n.disabled])

    # ---- the whole flow ---------------------------------------------------------------------

    def build(self) -> Block:
        start = self.node("start", "flow", "terminal", None)
        rows = [("tasks", self.chain(self.plan.tasks), "edge")]
        if [n for n in self.plan.errors if not n.disabled]:
            rows.append(("errors", self.chain(self.plan.errors, True), "edge error"))
        if [n for n in self.plan.finally_ if not n.disabled]:
            rows.append(("finally", self.chain(self.plan.finally_), "edge finally"))
        body = self.rows(start, rows)
        triggers = self.plan.source.get("triggers") or []
        if not triggers:
            return body
        nodes = [
            self.node(str(t.get("id")), _short(str(t.get("type", ""))), "trigger", None)
            for t in triggers
        ]
        row_w = sum(n.w for n in nodes) + GAP_X * (len(nodes) - 1)
        width = max(row_w, body.w)
        height = NODE_H + GAP_Y + body.h

        def draw(x: float, y: float) -> list[str]:
            out, tx = [], x
            for trigger in nodes:
                out.extend(trigger.draw(tx, y))
                out.append(
                    _arrow(
                        tx + NODE_W / 2, y + NODE_H, x + body.port, y + NODE_H + GAP_Y, "edge trig"
                    )
                )
                tx += trigger.w + GAP_X
            out.extend(body.draw(x, y + NODE_H + GAP_Y))
            return out

        return Block(width, height, body.port, [draw])


def flow_svg(plan: FlowPlan, states: dict[str, str] | None = None) -> SafeString:
    """The flow's topology as an inline SVG element (states: task id -> last task run state)."""
    block = GraphSvg(plan, states).build()
    width, height = block.w + 2 * PAD, block.h + 2 * PAD
    body = "".join(block.draw(PAD, PAD))
    # Every text from the flow (ids, types, states) is escaped where the parts are drawn.
    return mark_safe(  # noqa: S308
        f'<svg class="topology" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}"'
        f' height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img"'
        f' aria-label="Topology of {escape(plan.namespace)}.{escape(plan.id)}">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"'
        ' class="arrowhead"/></marker></defs>'
        f"{body}</svg>"
    )
