"""`--dry-run`: every request the action phase would send, listed, none of them sent."""

from __future__ import annotations

from ..contract.profiles import Profile
from .budget import Budget
from .discovery import Operation
from .strategies import INVALID_KINDS, read_spec, unknown_action, unknown_id

__all__ = ["plan"]


def _collection(href: str) -> str:
    return href.split("?", 1)[0]


def plan(chosen: list[Operation], held: list[Operation], profile: Profile, budget: Budget, mode: str,
         logon_url: str, probe_patch: bool) -> list[str]:
    """One block per operation: the requests, each with how many times at most; then the sequences."""
    if mode == "none":
        return ["--actions none: nothing is sent beyond the crawl's GETs, the logon POST and the logoff DELETE "
                "(use --actions safe or all to see what those would send)"]
    final = "/".join(sorted(profile.task_final_states))
    outcomes = {"Task": f"then GET of the returned Task until {final} (at most {budget.polls} polls) and up to 3 "
                        f"of its links", "Location": "then GET of the Location", "nothing": "nothing more"}
    lines: list[str] = []
    if probe_patch:
        lines.append("PATCH of one resource per type (the protocol probe `method`)")
    for op in chosen:
        spec, first = op.spec, op.targets[0]
        href, owner = first.href, first.owner
        task = outcomes[spec.returns]
        body = f" with a {spec.body} body" if spec.body else ""
        declared = spec.body is None or read_spec(profile.schemas, spec.body) is not None
        lines.append(f"{op.key} ({spec.safety}, {len(op.targets)} link(s), e.g. {href}):")
        if not declared:
            lines.append(f"  nothing with a body: the schemas declare no {spec.body}")
        elif spec.rel == "Delete":
            lines.append("  sent only to what the phase itself made (see Create, and the Tasks below)")
        elif spec.undo == "Delete":
            lines.append(f"  up to {budget.creates} x: GET {_collection(href)}; {spec.method} {href}{body}; {task}; "
                         f"GET {_collection(href)}; GET of the new resource (both forms); DELETE via its Delete link; "
                         f"GET of it, of {_collection(href)} and of {owner}")
        elif spec.undo == "repeat":
            lines.append(f"  up to {budget.reversals} x: GET {owner}; {spec.method} {href}; {task}; GET {owner}; "
                         f"{spec.method} {href}; {task}; GET {owner}")
        elif spec.undo == "same-body":
            lines.append(f"  up to {budget.reversals} x: GET {owner}; {spec.method} {href} with that very body; {task}; "
                         f"GET {owner}")
        else:
            lines.append(f"  up to {budget.valid} x: {spec.method} {href}{body} (valid); {task}")
        if spec.body and declared:
            lines.append(f"  up to {budget.invalid} x each: {spec.method} {href} with a {spec.body} broken one way: "
                         f"{', '.join(INVALID_KINDS)}")
        variations = [label for label, vary in (("an unknown id", unknown_id), ("an unknown action",
                                                                                 lambda h: unknown_action(h, frozenset())))
                      if vary(href) is not None]
        if variations:
            lines.append(f"  up to {budget.hrefs} x each: {spec.method} with {' and with '.join(variations)}")
    lines.append(f"up to {budget.task_deletes} x: DELETE of a Task the phase started; GET of it")
    if mode == "all":
        lines.append(f"up to {budget.sequences} sequences of up to {budget.steps} steps (Start, Stop, Retry, Clone, "
                     f"Create and Delete of a job's VMs, logoff and logon) from two jobs that offer Clone and Create "
                     f"and a clone of the first, in a session of their own (POST {logon_url}, DELETE at the end), "
                     f"with a GET of each job's VMs after each change")
        lines.append(f"up to {budget.lifecycles} sequences of up to {budget.steps} steps per lifecycle: every collection "
                     f"a Create link above posts to whose members offer Delete (and Edit and actions without a body, "
                     f"where offered), in the crawl's session, with a GET of the collection (and of each edited member) "
                     f"after each change; what a sequence made and did not delete is deleted at its end")
    for op in held:
        if op.rel == "Delete":
            lines.append(f"{op.key}: unknown ids not sent ({op.spec.safety}; needs --actions all); what the phase "
                         "itself creates there (if anything) is deleted again, to undo it")
        else:
            lines.append(f"{op.key}: not sent ({op.spec.safety}; needs --actions all)")
    return lines
