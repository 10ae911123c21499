"""Interactive charts for ``planner report --interactive``: the timeline and the cumulative
releases as plotly figures, with plotly.js inline (once, in the first chart; no CDN).

Built from the same geometry models as the SVG charts. Texts are HTML-escaped before they reach
plotly (plotly.js reads a few tags in texts); div ids are fixed, so the bytes repeat."""

from __future__ import annotations

from html import escape
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from planner.report.charts import Timeline
from planner.report.cumulative import Cumulative

CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "svg"}}
COLOURS = {"move": "#7f9cc4", "stage": "#d9822b", "recorded": "#a0a0a0"}
LINE_COLOURS = {"hostages": "#1f6feb", "prisoners": "#d9822b", "ratio": "#8250df"}


def _e(text: str) -> str:
    return escape(text, quote=False)


def timeline_figure(tl: Timeline) -> go.Figure:
    fig = go.Figure()
    labels = [_e(b.label) for b in tl.bars]
    for b in tl.bars:
        fig.add_trace(
            go.Bar(
                y=[_e(b.label)], x=[max(b.end_hour - b.start_hour, 0.5)], base=[b.start_hour],
                orientation="h", marker_color=COLOURS.get(b.kind, "#d9822b"), name=_e(b.kind),
                text=[_e(b.note)], textposition="outside", hovertext=[_e(b.title)],
                hoverinfo="text", showlegend=False,
            )
        )  # fmt: skip
        if b.release_hour is not None:
            fig.add_trace(
                go.Scatter(
                    x=[b.release_hour], y=[_e(b.label)], mode="markers",
                    marker={"symbol": "diamond", "size": 11, "color": "#b42318"},
                    hovertext=[f"prisoners released h{b.release_hour}"], hoverinfo="text",
                    showlegend=False,
                )
            )  # fmt: skip
    for m in tl.markers:
        colour = "#b42318" if m.kind == "by" else "#6e7781"
        fig.add_vline(x=m.hour, line_dash="dash" if m.kind == "by" else "dot", line_color=colour)
        fig.add_annotation(
            x=m.hour, y=1.02 + 0.07 * m.lane, xref="x", yref="paper", text=_e(m.label),
            showarrow=False, xanchor="left" if m.anchor == "start" else "right",
            font={"color": colour, "size": 11},
        )  # fmt: skip
    lanes = max((m.lane + 1 for m in tl.markers), default=0)
    span = tl.axis.last - tl.axis.first
    fig.update_traces(cliponaxis=False, selector={"type": "bar"})
    fig.update_layout(
        title="Timeline", barmode="overlay", height=140 + 40 * len(labels) + 22 * lanes,
        margin={"l": 170, "r": 40, "t": 70 + 22 * lanes, "b": 50}, template="plotly_white",
        xaxis={"title": "hours from t=0", "range": [tl.axis.first, tl.axis.last + span * 0.15]},
        yaxis={"categoryorder": "array", "categoryarray": labels[::-1]},
    )  # fmt: skip
    return fig


def cumulative_figure(cu: Cumulative) -> go.Figure:
    """One row per panel of the SVG chart, on a shared hour axis."""
    fig = make_subplots(
        rows=len(cu.panels), cols=1, shared_xaxes=True, vertical_spacing=0.08,
        subplot_titles=[_e(p.title) for p in cu.panels],
    )  # fmt: skip
    for row, p in enumerate(cu.panels, start=1):
        for band in p.bands:
            xs, lows, highs = [], [], []
            for s in band.steps:
                end = s.end_hour if s is not band.steps[-1] else cu.axis.last
                xs += [s.start_hour, end]
                lows += [s.low, s.low]
                highs += [s.high, s.high]
            edge = {"color": "rgba(45,164,78,0.45)", "width": 6}
            fig.add_trace(go.Scatter(x=xs, y=lows, mode="lines", line=edge, showlegend=False,
                                     hoverinfo="skip"), row=row, col=1)  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=xs, y=highs, mode="lines", fill="tonexty", line=edge,
                    fillcolor="rgba(45,164,78,0.2)", name=_e(band.label),
                ), row=row, col=1,
            )  # fmt: skip
        for ln in p.lines:
            xs = [cu.axis.first, *(h for h, _ in ln.steps), cu.axis.last]
            ys = [0, *(v for _, v in ln.steps), ln.final]
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", line_shape="hv", name=_e(ln.label),
                    line={"color": LINE_COLOURS.get(ln.css, "#444"), "width": 2},
                ), row=row, col=1,
            )  # fmt: skip
        fig.update_yaxes(title_text=_e(p.y_label), row=row, col=1)
    fig.update_xaxes(title_text="hours from t=0", row=len(cu.panels), col=1)
    fig.update_layout(
        title="Cumulative releases", height=220 * len(cu.panels) + 80, template="plotly_white",
        legend={"orientation": "h", "y": -0.12}, margin={"l": 70, "r": 30, "t": 70, "b": 40},
    )  # fmt: skip
    return fig


def plotly_charts(view: dict[str, Any]) -> list[str]:
    """The markup of each chart: a div and its script; plotly.js inline in the first."""
    figures = [("plotly-timeline", timeline_figure(view["timeline"]))]
    if view["cumulative"] is not None:
        figures.append(("plotly-cumulative", cumulative_figure(view["cumulative"])))
    return [
        pio.to_html(
            fig, full_html=False, include_plotlyjs=(i == 0), div_id=div_id, config=CONFIG,
            validate=True,
        )
        for i, (div_id, fig) in enumerate(figures)
    ]  # fmt: skip
