"""Where an operation link must point and how it names its operation.

By default an action link (Start, Stop, ...) is `?action=<name>` on the resource that carries it.
Some operations are documented in another form (a NAS job starts with POST `/nas/jobs/{ID}/start`,
an account's restore scopes toggle with POST on the account itself): the profile lists those forms
per Rel and resource path template (`[operations]`), and everything else keeps the default. The
relations rules judge links by this, and the action phase follows only what passes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx

from ..model.urls import path, query
from .profiles import RESOURCE, Profile, path_template

__all__ = ["OperationHref", "action_of", "expected_href", "misdirected", "misnamed"]


@dataclass(frozen=True)
class OperationHref:
    """What the Href of one operation link must be."""

    path: str
    """The path it must have, lower case (paths compare without regard to case)."""
    action: str | None
    """The `action` value a documented form gives (None: the form names none)."""
    form: str | None = None
    """The profile's form, None for the default (`?action=` on the carrying resource)."""


def _path(url: str) -> str:
    return path(url).rstrip("/").lower()


def action_of(href: str) -> str | None:
    """The `action` query value of an Href (the name compared without regard to case), else None."""
    return next((v for k, v in parse_qsl(query(href), keep_blank_values=True) if k.lower() == "action"), None)


def expected_href(profile: Profile, rel: str, owner: str, root_url: str) -> OperationHref:
    """The Href an operation link of `rel` on the resource at `owner` must have."""
    form = profile.operations.get(path_template(owner, root_url), {}).get(rel)
    if form is None:
        return OperationHref(_path(owner), None)
    if form.startswith(RESOURCE):
        absolute = str(httpx.URL(owner).copy_with(query=None)).rstrip("/") + form[len(RESOURCE):]
    else:
        absolute = str(httpx.URL(root_url).join(form.lstrip("/")))
    return OperationHref(_path(absolute), action_of(absolute), form)


def misdirected(profile: Profile, rel: str, href: str, owner: str, root_url: str) -> OperationHref | None:
    """The expected Href when an operation link's path is not the one it must have, else None."""
    want = expected_href(profile, rel, owner, root_url)
    return want if _path(href) != want.path else None


def misnamed(profile: Profile, rel: str, href: str, owner: str, root_url: str) -> OperationHref | None:
    """The expected Href when an operation link does not name its operation as it must (an `action`
    query by default, exactly the documented one, or none, where the profile gives a form), else None."""
    want = expected_href(profile, rel, owner, root_url)
    action = action_of(href)
    if want.form is None:
        return want if action is None else None
    same = (action or "").casefold() == (want.action or "").casefold() and (action is None) == (want.action is None)
    return None if same else want
