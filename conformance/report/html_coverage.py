"""What the run covered and what it could not check: the crawl, the items and the action phase.

A verdict is only worth what was checked, so the gaps (roots no schema declares, Rels and actions
never met, items that could not check something, operations the action phase could not follow)
are shown open beside the findings, not folded away.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .item_log import ItemLog
from .sampling import limit as _limit, sampling
from .text import undeclared_roots

__all__ = ["actions_html", "coverage", "coverage_html"]

_NOTES_OPEN = 20
"""Up to this many items' "not checked" notes are listed open; more are folded."""


def coverage(run: Any) -> dict[str, Any]:
    """What the crawl found against what the profile knows about."""
    snapshot, profile = run.snapshot, run.profile
    rels = {l.rel for r in snapshot for l in r.links if l.rel}
    return {
        "kinds": sorted(snapshot.kinds()),
        "rels_found": sorted(rels & profile.rel_vocabulary),
        "rels_unseen": sorted(profile.rel_vocabulary - rels),
        "rels_unknown": sorted(rels - profile.rel_vocabulary),
        "actions_found": sorted(rels & profile.action_rels),
        "actions_unseen": sorted(profile.action_rels - rels),
        "undeclared_roots": undeclared_roots(snapshot),
    }


def _words(names: list[str]) -> str:
    return escape(", ".join(names)) or "none"


def _undeclared(gaps: list[dict[str, Any]]) -> str:
    return "; ".join(f"<code>{escape(g['root'])}</code> ({g['resources']} resource(s), e.g. "
                     f"<code>{escape(g['example'])}</code>)" for g in gaps) or "none"


def _item_notes(log: ItemLog | None) -> str:
    """What items could not check, each note said once per rule with the resource types it holds
    for: the same note on a hundred types is one line, not a hundred."""
    if log is None or not log.notes:
        return ""
    grouped: dict[tuple[str, str], list[str]] = {}
    for (rule, kind), notes in sorted(log.notes.items()):
        for note in notes:
            grouped.setdefault((rule, note), []).append(kind)
    items = "".join(f"<li><b>{escape(rule)}</b> on {len(kinds)} type(s) ({escape(', '.join(kinds))}): "
                    f"{escape(note)}</li>" for (rule, note), kinds in grouped.items())
    opened = " open" if len(grouped) <= _NOTES_OPEN else ""
    return (f"<details{opened}><summary>Not checked by {len(log.notes)} item(s) (they passed on what they could "
            f'check)</summary><ul class="notes">{items}</ul></details>')


def _sampled(run: Any) -> str:
    """What the crawl judged of what was listed, per URL template; folded when long."""
    s = sampling(run)
    if not s["templates"]:
        return ""
    rows = "".join(f"<tr><td><code>{escape(row['template'])}</code></td><td>{row['fetched']:,}</td>"
                   f"<td>{row['listed']:,}</td></tr>" for row in s["templates"])
    opened = " open" if len(s["templates"]) <= _NOTES_OPEN else ""
    table = (f"<details{opened}><summary>Sampled: {len(s['templates'])} URL template(s) judged in part"
             f'</summary><table class="sampled"><thead><tr><th>URL template</th><th>judged</th><th>listed</th></tr>'
             f"</thead><tbody>{rows}</tbody></table></details>")
    kinds = s["kinds_not_met"]
    gap = (f'<p class="gap">Resource types not met because their links were left out (a coverage gap of the '
           f"budgets, not a finding): {_words(kinds)}</p>") if kinds else ""
    return table + gap


def _other_sessions(meta: dict[str, Any]) -> str:
    count = meta.get("other_sessions") or 0
    return (f"; {count:,} logon session(s) of other clients not judged (each speaks the API version its client "
            "logged on with; its links are that session's)") if count else ""


def coverage_html(run: Any, log: ItemLog | None = None) -> str:
    cov, meta = coverage(run), run.snapshot.meta
    crawl = (f"<p>Crawl: {len(run.snapshot):,} resources fetched; at most {escape(_limit(meta.get('per_template')))} "
             f"URL(s) of one URL template (--per-template): {meta.get('skipped_sampling', 0):,} link target(s) "
             f"left out by sampling; {meta.get('skipped_budget', 0):,} left out over the budget (--max-resources "
             f"{escape(_limit(meta.get('max_resources')))}); {meta.get('skipped_origin', 0):,} off-origin link(s) "
             f"not followed{_other_sessions(meta)}.</p>{_sampled(run)}") if meta else ""
    gap = ' class="gap"' if cov["undeclared_roots"] else ""
    return (
        f"{crawl}<p>{len(cov['kinds'])} resource types: {_words(cov['kinds'])}</p>"
        f"<p>Rels found: {_words(cov['rels_found'])}<br>Rels of the profile never seen: "
        f"{_words(cov['rels_unseen'])}<br>Rels outside the profile: {_words(cov['rels_unknown'])}</p>"
        f"<p>Actions found: {_words(cov['actions_found'])}; never seen: {_words(cov['actions_unseen'])}</p>"
        f"<p{gap}>Root elements no loaded schema declares (their documents were not validated): "
        f"{_undeclared(cov['undeclared_roots'])}</p>" + _item_notes(log)
    )


def actions_html(actions: dict[str, Any] | None) -> str:
    """The action phase as the terminal reports it, with its "not checked" notes and errors in full."""
    if not actions:
        return ("<p>No action phase (--actions none): nothing was sent beyond the crawl's GETs, the logon and "
                "the logoff.</p>")
    mode = escape(str(actions.get("mode")))
    profile = escape(str(actions.get("hypothesis_profile")))
    plan = actions.get("plan") or []
    listing = "<pre>" + escape("\n".join(plan)) + "</pre>" if plan else ""
    if actions.get("dry_run"):
        return (f"<p>Dry run (--actions {mode}, {profile}): the action phase would send the following, "
                f"and sent none of it.</p>{listing}")
    if mode == "none":
        return ("<p>--actions none: nothing was sent beyond the crawl's GETs, the logon and the logoff; the ACT "
                "rules had nothing to judge.</p>"
                + (f"<details><summary>What --actions all would send</summary>{listing}</details>" if plan else ""))
    sent = ", ".join(f"{n} {escape(str(method))}" for method, n in sorted(actions.get("requests", {}).items()))
    operations = actions.get("operations", [])
    held = actions.get("held_back", [])
    parts = [f"<p>--actions {mode} ({profile}): {len(operations)} operation(s) followed, {sent or 'no requests'} "
             f"in {escape(str(actions.get('elapsed_s', 0)))} s; {len(held)} held back.</p>"]
    for error in actions.get("errors", []):
        parts.append(f'<p class="gap"><b>Error in the action phase:</b> {escape(str(error))}</p>')
    notes = actions.get("notes", [])
    parts.append(f"<p{' class=gap' if notes else ''}>Not checked: "
                 + ("none" if not notes else f"{len(notes)} operation note(s)") + "</p>")
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{escape(str(n))}</li>" for n in notes) + "</ul>")
    if held:
        parts.append("<p>Held back (not allowed by --actions " + mode + "): "
                     + escape(", ".join(map(str, held))) + "</p>")
    lifecycles = actions.get("lifecycles", [])
    if lifecycles:
        rows = "".join(f"<tr><td>{escape(str(lc['type']))}</td><td><code>{escape(str(lc['template']))}</code></td>"
                       f"<td>{escape(' '.join(lc['steps']))}</td><td>{lc['sequences']}</td><td>{lc['steps_run']}</td>"
                       f"<td>{'diverged' if lc.get('diverged') else 'held'}</td></tr>" for lc in lifecycles)
        parts.append(f"<details open><summary>Lifecycles explored from links ({len(lifecycles)})</summary><table>"
                     "<tr><th>Type</th><th>Members</th><th>Steps</th><th>Sequences</th><th>Steps run</th>"
                     f"<th>Model</th></tr>{rows}</table></details>")
    if operations:
        parts.append(f"<details><summary>Operations followed ({len(operations)})</summary><ul>"
                     + "".join(f"<li><code>{escape(str(op))}</code></li>" for op in operations) + "</ul></details>")
    return "".join(parts)
