"""A self-contained HTML report of a plan (``planner report``): summary, timeline, stages,
transfers, alternatives; with the scenario, clock times, rules and the verifier's verdict.

No script, no external file: the page can be mailed or archived as it is. Every text is
escaped. The output depends only on its inputs (no time stamp), so the same plan gives the
same bytes.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING

from planner.plan import Plan, Ranges
from planner.report.people import people_items
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.frontier import Frontier

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;
text-align:left;vertical-align:top;font-size:.9em}th{background:#f3f3f3}
.ok{color:#1a7f37}.bad{color:#b42318}.muted{color:#666}svg text{font-size:11px}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _counts(counts: dict[str, int]) -> str:
    return "<br>".join(f"{_e(c)} {n}" for c, n in counts.items()) or "&ndash;"


def _people(ids: list[str], ranges: Ranges) -> str:
    """Who is released, each id or run (living-1…living-20) escaped."""
    return ", ".join(_e(item) for item in people_items(ids, ranges)) or "&ndash;"


def _clock(sc: Scenario | None, hour: int | None) -> str:
    if hour is None:
        return "&ndash;"
    if sc is None or sc.start_time is None:
        return f"h{hour}"
    return f"h{hour} ({_e((sc.start_time + timedelta(hours=hour)).strftime('%d %b %H:%M'))})"


def _table(header: list[str] | None, rows: list[list[str]]) -> str:
    head = (
        ""
        if header is None
        else ("<thead><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr></thead>")
    )
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def timeline_svg(plan: Plan) -> str:
    """Withdrawal moves and stages as bars on one hour axis."""
    rows: list[tuple[str, int, int, int | None, str]] = []
    for w in plan.withdrawals:
        rows.append((f"line {w.line}", w.start_hour, w.complete_hour, None, "#8aa4c8"))
    for st in plan.stages:
        rows.append(
            (
                f"stage {st.index}",
                st.start_hour,
                st.handover_complete_hour,
                st.prisoner_release_hour,
                "#e3a44d",
            )
        )
    end = max([1, *(r[2] for r in rows), *(r[3] or 0 for r in rows)])
    left, width, row_h = 110, 900, 22
    scale = width / end
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" '
        f'height="{row_h * (len(rows) + 2)}" role="img" aria-label="timeline">'
    ]
    for i, (label, a, b, release, colour) in enumerate(rows):
        y = row_h * i + 4
        x = left + a * scale
        w = max((b - a) * scale, 2)
        parts.append(f'<text x="4" y="{y + 13}">{_e(label)}</text>')
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="14" fill="{colour}">'
            f"<title>{_e(label)}: h{a} to h{b}</title></rect>"
        )
        if release is not None:
            rx = left + release * scale
            parts.append(
                f'<circle cx="{rx:.1f}" cy="{y + 7}" r="4" fill="#b42318">'
                f"<title>prisoners released at h{release}</title></circle>"
            )
    axis_y = row_h * len(rows) + 8
    step = max(1, round(end / 10 / 24) * 24) if end > 48 else max(1, end // 8 or 1)
    for h in range(0, end + 1, step):
        x = left + h * scale
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{axis_y}" stroke="#eee"/>')
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle">h{h}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _plan_body(plan: Plan, sc: Scenario | None) -> list[str]:
    m = plan.metrics
    out = [
        "<h2>Summary</h2>",
        _table(
            ["", ""],
            [
                ["status", _e(plan.status)],
                ["all living hostages received", _clock(sc, m.living_released_hour)],
                ["last release", _clock(sc, m.completion_hour)],
                ["stages", str(m.stage_count)],
                [
                    "hostages / prisoners released",
                    f"{m.hostages_released} / {m.prisoners_released}",
                ],
                ["objective", ", ".join(f"{_e(k)} {v}" for k, v in plan.objective.items())],
                ["not released", _counts(plan.unreleased)],
            ],
        ),
        "<h2>Timeline</h2>",
        timeline_svg(plan),
        '<p class="muted">bars: withdrawal moves and handovers (start to receipt); '
        "dots: prisoner releases</p>",
    ]
    if plan.withdrawals:
        out += [
            "<h2>Withdrawals</h2>",
            _table(
                ["line", "move starts", "complete"],
                [
                    [_e(w.line), _clock(sc, w.start_hour), _clock(sc, w.complete_hour)]
                    for w in plan.withdrawals
                ],
            ),
        ]
    out += [
        "<h2>Stages</h2>",
        _table(
            [
                "#",
                "start",
                "received",
                "prisoners released",
                "site",
                "vehicles",
                "line in force",
                "hostages",
                "prisoners",
            ],
            [
                [
                    _stage_label(plan, st.index),
                    _clock(sc, st.start_hour),
                    _clock(sc, st.handover_complete_hour),
                    _clock(sc, st.prisoner_release_hour),
                    _e(st.site or "–"),
                    _e(st.vehicles if st.vehicles is not None else "–"),
                    _e(st.line_in_force),
                    _counts(st.hostages),
                    _counts(st.prisoners),
                ]
                for st in plan.stages
            ],
        ),
    ]
    out += [
        "<h2>People</h2>",
        _table(
            ["#", "hostages", "prisoners"],
            [
                [
                    str(st.index),
                    _people(st.hostage_ids, st.hostage_ranges),
                    _people(st.prisoner_ids, st.prisoner_ranges),
                ]
                for st in plan.stages
            ],
        ),
    ]
    transfers = [(st.index, t) for st in plan.stages for t in st.transfers]
    if transfers:
        out += [
            "<h2>Prisoner transfers</h2>",
            _table(
                ["stage", "from", "to", "route", "prisoners", "people", "buses", "arrives"],
                [
                    [
                        str(i),
                        _e(t.prison),
                        _e(t.destination),
                        _e(" → ".join(t.path)),
                        _counts(t.prisoners),
                        _people(t.prisoner_ids, t.prisoner_ranges),
                        _e(t.buses if t.buses is not None else "–"),
                        _clock(sc, t.arrival_hour),
                    ]
                    for i, t in transfers
                ],
            ),
        ]
    return out


def _stage_label(plan: Plan, index: int) -> str:
    recorded = plan.record is not None and index <= plan.record.stages
    return f"{index} (recorded)" if recorded else str(index)


def _record_html(plan: Plan) -> list[str]:
    """A re-plan's record part: what is fact, the deviations, the rules given up."""
    rec = plan.record
    if rec is None:
        return []
    lines = ", ".join(rec.lines) or "none"
    out = [
        "<h2>Execution record</h2>",
        f"<p>Facts up to hour {rec.now_hour}: the first {rec.stages} stage(s) and the moves to "
        f"{_e(lines)}. The rest is planned from hour {rec.now_hour}.</p>",
    ]
    if rec.given_up:
        proved = "proved" if rec.given_up_proved else "not proved the fewest"
        out.append(
            f'<p class="bad">Rules the rest cannot keep, given the record ({proved}): '
            + ", ".join(f"<code>{_e(r)}</code>" for r in rec.given_up)
            + "</p>"
        )
    if rec.deviations:
        out += [
            f"<p>Deviations of the record from the scenario: {len(rec.deviations)}</p>",
            _table(
                ["rule", "basis", "stage", "what happened"],
                [
                    [
                        f"<code>{_e(d.rule)}</code>",
                        _e(d.basis or "structure"),
                        _e(d.stage if d.stage is not None else "–"),
                        _e(d.message),
                    ]
                    for d in rec.deviations
                ],
            ),
        ]
    else:
        out.append('<p class="ok">The record keeps every rule of the scenario.</p>')
    return out


def frontier_svg(fr: Frontier) -> str:
    """The frontier's points on the plane of its first two terms (a third is in the labels)."""
    a, b = fr.between[0], fr.between[1]
    xs = [p.values[a] for p in fr.points]
    ys = [p.values[b] for p in fr.points]
    left, top, w, h = 70, 20, 560, 300
    x0, x1 = min(xs, default=0), max(xs, default=1)
    y0, y1 = min(ys, default=0), max(ys, default=1)

    def px(v: int) -> float:
        return left + (v - x0) / max(x1 - x0, 1) * w

    def py(v: int) -> float:
        return top + h - (v - y0) / max(y1 - y0, 1) * h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + w + 120}" height="{top + h + 50}"'
        ' role="img" aria-label="frontier">',
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" stroke="#444"/>',
        f'<text x="{left + w / 2:.0f}" y="{top + h + 36}">{_e(a)}</text>',
        f'<text x="4" y="{top - 6}">{_e(b)}</text>',
    ]
    for i, p in enumerate(fr.points, start=1):
        x, y = px(p.values[a]), py(p.values[b])
        rest = ", ".join(f"{_e(t)} {p.values[t]}" for t in fr.between)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#3b6ea8"><title>point {i}: {rest}'
            "</title></circle>"
        )
        parts.append(f'<text x="{x + 9:.1f}" y="{y - 6:.1f}">{i}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _frontier_html(fr: Frontier) -> list[str]:
    rows = [
        [
            str(i),
            *(str(p.values[t]) for t in fr.between),
            "yes" if p.verified else "NO",
            _e(", ".join(f"{b.rule} (-{b.gain})" for b in p.binding) or "–"),
        ]
        for i, p in enumerate(fr.points, start=1)
    ]
    corners = "".join(
        f"<li>no plan with {_e(', '.join(f'{t} ≤ {v}' for t, v in c.items()))}</li>"
        for c in fr.infeasible
    )
    done = "" if fr.complete else " (not complete: time ran out)"
    return [
        f"<h2>Trade-off frontier: {_e(', '.join(fr.between))}{_e(done)}</h2>",
        frontier_svg(fr),
        _table(["point", *(_e(t) for t in fr.between), "verified", "binds the first term"], rows),
        f"<ul>{corners}</ul>" if corners else "",
    ]


def plan_html(plan: Plan, sc: Scenario | None = None, frontier: Frontier | None = None) -> str:
    """The report as one HTML document."""
    title = f"{plan.scenario}: {plan.status} plan (seed {plan.seed})"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    if sc is not None:
        from planner.verifier import verify

        if sc.title:
            out.append(f"<p>{_e(sc.title)}</p>")
        report = verify(sc, plan)
        if report.ok and report.deviations:
            out.append(
                f'<p class="ok">Verified: all {len(sc.rules)} rules hold for the planned '
                f"rest; the record departs from the scenario in {len(report.deviations)} "
                "ways (below).</p>"
            )
        elif report.ok:
            out.append(f'<p class="ok">Verified: all {len(sc.rules)} rules hold.</p>')
        else:
            items = "".join(f"<li>{_e(line)}</li>" for line in report.lines())
            out.append(f'<p class="bad">The verifier rejects this plan:</p><ul>{items}</ul>')
    else:
        out.append('<p class="muted">Scenario not given: not verified here; hours from t=0.</p>')
    out += _record_html(plan)
    out += _plan_body(plan, sc)
    if plan.alternatives:
        terms = list(plan.objective)
        out += [
            "<h2>Alternatives</h2>",
            _table(
                ["plan", "stages", *(_e(t) for t in terms)],
                [
                    [
                        str(i),
                        str(p.metrics.stage_count),
                        *(str(p.objective.get(t, "")) for t in terms),
                    ]
                    for i, p in enumerate([plan, *plan.alternatives], start=1)
                ],
            ),
        ]
        for i, alt in enumerate(plan.alternatives, start=2):
            out.append(f"<h2>Alternative {i}</h2>")
            out += _plan_body(alt, sc)[2:]  # its summary is in the table above
    if frontier is not None:
        out += _frontier_html(frontier)
    if sc is not None:
        out += [
            "<h2>Rules</h2>",
            _table(
                ["id", "kind", "meaning"],
                [[f"<code>{_e(r.id)}</code>", _e(r.kind), _e(r.describe(sc))] for r in sc.rules],
            ),
        ]
    out.append("</body></html>")
    return "\n".join(out) + "\n"
