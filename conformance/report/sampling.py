"""What the crawl sampled and left out, in one shape for the terminal, the HTML and the results JSON.

A run of a large server judges a sample of each collection: the reports say how much of what was
listed was judged, per URL template (never per URL, so the account stays short at any size), and
which resource types went unmet because a budget left their links out.
"""

from __future__ import annotations

from typing import Any

from ..crawl.frontier import BUDGET, SAMPLING
from ..rules.profile import budget_gaps

__all__ = ["limit", "sampling", "sampling_lines"]

_SHOWN = 5
"""Templates named in the terminal; the HTML and the results JSON list them all."""


def sampling(run: Any) -> dict[str, Any]:
    """The budgets, what they left out, the templates sampled (the most listed first) and the
    profile's resource types not met because of them."""
    meta = run.snapshot.meta
    templates = list(meta.get("sampled") or ())
    return {
        "per_template": meta.get("per_template"),
        "max_resources": meta.get("max_resources"),
        "left_out": {SAMPLING: meta.get("skipped_sampling", 0), BUDGET: meta.get("skipped_budget", 0)},
        "templates": templates,
        "kinds_not_met": budget_gaps(run.snapshot, run.profile) if templates else [],
    }


def limit(value: Any) -> str:
    """A budget as the options take it, 0 or none being no limit."""
    return "no limit" if not value else f"{value:,}" if isinstance(value, int) else str(value)


def sampling_lines(run: Any) -> list[str]:
    """The sample in a few lines: nothing when the crawl left nothing out."""
    s = sampling(run)
    if not s["templates"]:
        return []
    left = s["left_out"]
    rows = s["templates"]
    named = "; ".join(f"{row['template']}: {row['fetched']:,} of {row['listed']:,}" for row in rows[:_SHOWN])
    more = f"; and {len(rows) - _SHOWN} more (HTML report, results JSON)" if len(rows) > _SHOWN else ""
    lines = [f"sampled: {len(rows)} URL template(s) judged in part (--per-template {limit(s['per_template'])}, "
             f"--max-resources {limit(s['max_resources'])}): {left[SAMPLING]:,} URL(s) left out by sampling, "
             f"{left[BUDGET]:,} over the budget; judged of listed: {named}{more}"]
    if s["kinds_not_met"]:
        lines.append(f"coverage gap: {len(s['kinds_not_met'])} resource type(s) not met because their links were "
                     f"left out, so not checked: {', '.join(s['kinds_not_met'])}")
    return lines
