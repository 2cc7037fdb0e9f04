"""The rules x resource types matrix: one cell per item, failures made to stand out.

A cell is ✓ (passed), ✗ (failed), ~ (waived), ! (the rule crashed) or – (not run, or not
applicable: a skipped item, an item deselected or never collected). Passing cells are pale and
carry no class and no tooltip, and cells leave out their optional end tags, so that a single ✗
among two thousand ✓ is what the eye finds and the matrix of a large run stays small.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from html import escape
from typing import Any

from ..rules import RULES
from .html_findings import anchor
from .item_log import ItemKey, ItemLog

__all__ = ["cell_outcomes", "matrix_html"]

_COUNTED = re.compile(r"^\d[\d,]*\s+")
"""The count a reason starts with, left out when reasons are grouped."""

_MARK = {"passed": ("p", "✓"), "failed": ("f", "✗"), "waived": ("w", "~"), "error": ("e", "!"),
         "not run": ("n", "–"), "not applicable": ("n", "–")}
"""outcome -> (the cell's CSS class, its mark)"""


def cell_outcomes(results: Mapping[ItemKey, Any], log: ItemLog | None) -> dict[ItemKey, tuple[str, str]]:
    """(rule id, kind) -> (passed|failed|waived|error|not applicable|not run, why it was not run).

    A skip reported by pytest wins, since the item did not run whatever was recorded; then the
    run's own verdict; then pytest's outcome for items the run has no record of.
    """
    log = log or ItemLog()
    out: dict[ItemKey, tuple[str, str]] = {}
    for key in {*results, *log.outcomes}:
        result = results.get(key)
        recorded = getattr(result, "outcome", None)
        if key in log.skipped:
            out[key] = ("not run", log.skipped[key])
        elif recorded == "skipped":  # nothing to judge: no item was made
            out[key] = ("not applicable", getattr(result, "reason", ""))
        elif recorded in _MARK:
            out[key] = (recorded, "")
        elif recorded is not None:
            out[key] = ("not run", str(recorded))
        else:
            seen = log.outcomes[key]
            out[key] = (seen, "") if seen in _MARK else ("not run", seen)
    return out


def matrix_html(results: Mapping[ItemKey, Any], log: ItemLog | None = None) -> str:
    cells = cell_outcomes(results, log)
    kinds = sorted({kind for _, kind in cells})
    order = {rule_id: i for i, rule_id in enumerate(RULES)}
    rule_ids = sorted({rule_id for rule_id, _ in cells}, key=lambda r: (order.get(r, len(order)), r))
    bad = {key for key, (outcome, _) in cells.items() if outcome in ("failed", "error")}
    bad_rules, bad_kinds = {r for r, _ in bad}, {k for _, k in bad}
    head = "".join(f'<th{" class=bad" if k in bad_kinds else ""}>{escape(k)}</th>' for k in kinds)
    rows = []
    for rule_id in rule_ids:
        rule = RULES.get(rule_id)
        # The reason most of a rule's cells were not run is said once, on the row, not on each cell.
        reasons = Counter(why for (r, _), (outcome, why) in cells.items()
                          if r == rule_id and outcome in ("not run", "not applicable"))
        usual = reasons.most_common(1)[0][0] if reasons else ""
        tds = []
        for kind in kinds:
            outcome, why = cells.get((rule_id, kind), ("not run", ""))
            css, mark = _MARK[outcome]
            if outcome == "passed":
                tds.append(f"<td>{mark}")
                continue
            if outcome in ("not run", "not applicable") and why == usual:
                tds.append(f"<td class={css}>{mark}")
                continue
            tip = f"{rule_id} on {kind}: {outcome}{': ' + why if why else ''}"
            if outcome in ("failed", "error"):
                mark = f'<a href="#{anchor(rule_id)}">{mark}</a>'
            tds.append(f'<td class={css} title="{escape(tip)}">{mark}')
        statement = escape(rule.statement + (f" (–: {usual})" if usual else "")) if rule else ""
        severity = f" <small>{rule.severity}</small>" if rule else ""
        rows.append(f'<tr><th{" class=bad" if rule_id in bad_rules else ""} title="{statement}">'
                    f"{escape(rule_id)}{severity}</th>{''.join(tds)}</tr>")
    # Grouped by what the reason says, not by how many: "12 linked resource(s) not checked" and "3 ..." are one line.
    reasons = Counter(_COUNTED.sub("", why) or "no result recorded" for outcome, why in cells.values()
                      if outcome in ("not run", "not applicable"))
    not_run = "".join(f"<li>{n} rule x type pair(s): {escape(why)}</li>" for why, n in sorted(reasons.items()))
    return (f'<table class="matrix"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>'
            '<p class="legend">✓ passed · ✗ failed (click: its findings) · ~ waived (baseline or below '
            "--fail-on) · ! the rule crashed · – not run or not applicable (hover: why)</p>"
            + (f'<p class="legend">Not run or not applicable:</p><ul class="legend">{not_run}</ul>' if not_run else ""))
