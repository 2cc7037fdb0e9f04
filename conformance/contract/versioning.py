"""Which profile judges a server: the API version its session speaks picks it, unless one is asked for.

A run that is given no profile logs on with `?v=latest`, which opens a session of the newest
version the server supports, the last of the `SupportedVersions` its public root lists. That
version picks the profile of the same API version; a server older than the oldest profile is judged
with the oldest, one newer than the newest with the newest, and the reports say so, since a
judgement by a profile of another version is worth less.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .profiles import Profile, available_profiles, load_profile

__all__ = ["LATEST", "ProfileChoice", "choose_profile", "forced_choice", "supported_versions", "version_key"]

LATEST = "latest"
"""The `?v=` of a logon that asks for the newest version the server supports."""

_VERSION = re.compile(r"^v(\d+)(?:_(\d+))?$", re.IGNORECASE)


def version_key(name: str) -> tuple[int, int] | None:
    """`v1_6` -> (1, 6), `v1` -> (1, 0); None for what is not an API version name (`latest`)."""
    found = _VERSION.match(name.strip())
    return (int(found.group(1)), int(found.group(2) or 0)) if found else None


@dataclass(frozen=True)
class ProfileChoice:
    """The profile a run judges with, and why (shown in the terminal, the HTML and the results JSON)."""

    profile: Profile
    reason: str
    """One sentence: `the server speaks v1_6`, or why another profile than its own judges it."""
    server_version: str | None = None
    """The version the session speaks, where the server names it."""
    supported: tuple[str, ...] = ()
    """The versions the server's root lists (`SupportedVersions`), oldest first."""
    forced: bool = False
    """True when the profile was asked for (`--profile`, its environment variable or ini key)."""
    exact: bool = True
    """False when the profile is of another version than the server's (older, newer, or unknown)."""

    def to_dict(self) -> dict[str, Any]:
        data = {"profile": self.profile.name, "reason": self.reason, "server_version": self.server_version,
                "supported_versions": list(self.supported), "forced": self.forced, "exact": self.exact}
        if available_profiles().get(self.profile.name) != self.profile.source:  # a profile file (learned)
            data["profile_file"] = str(self.profile.source.resolve())
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProfileChoice:
        """A choice written by `to_dict` (a snapshot's), its profile loaded again: from its file where that
        is still there (a learned profile has no name the suite knows), else by name."""
        file = str(data.get("profile_file") or "")
        return cls(load_profile(file if file.endswith(".toml") and Path(file).is_file() else str(data["profile"])), str(data.get("reason", "")), data.get("server_version"),
                   tuple(data.get("supported_versions") or ()), bool(data.get("forced")), bool(data.get("exact", True)))


def supported_versions(body: bytes, content_type: str | None = None) -> tuple[str, ...]:
    """The version names the API root lists in `SupportedVersions` (XML or JSON), oldest first;
    empty when the root lists none or cannot be read."""
    names: list[str] = []
    if "json" in (content_type or "").lower():
        try:
            data = json.loads(body)
        except ValueError:
            return ()
        holder = data.get("SupportedVersions") if isinstance(data, dict) else None
        items = holder.get("SupportedVersions") if isinstance(holder, dict) else holder
        names = [i.get("Name") for i in items or () if isinstance(i, dict)]
    else:
        from lxml import etree

        try:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            return ()
        names = [e.get("Name") for e in root.iter("{*}SupportedVersion")]
    known = [n for n in names if isinstance(n, str) and version_key(n) is not None]
    return tuple(sorted(dict.fromkeys(known), key=lambda n: version_key(n) or (0, 0)))


def _by_version() -> list[Profile]:
    """The profiles named after an API version, oldest first."""
    out = []
    for name in available_profiles():
        profile = load_profile(name)
        if version_key(profile.api_version) is not None and profile.name == profile.api_version:
            out.append(profile)
    return sorted(out, key=lambda p: version_key(p.api_version) or (0, 0))


def forced_choice(profile: Profile, asked: str) -> ProfileChoice:
    """The choice of a run that was given its profile."""
    named = "" if asked == profile.name else f" (as {asked})"
    return ProfileChoice(profile, f"profile {profile.name} was asked for{named}", forced=True)


def choose_profile(supported: tuple[str, ...]) -> ProfileChoice:
    """The profile for a session opened with `?v=latest` on a server whose root lists `supported`."""
    profiles = _by_version()
    oldest, newest = profiles[0], profiles[-1]
    if not supported:
        return ProfileChoice(newest, f"the server names no API version (no SupportedVersions at its root): judged "
                                     f"with the newest profile, {newest.name}", exact=False)
    speaks = supported[-1]
    key = version_key(speaks) or (0, 0)
    same = next((p for p in profiles if version_key(p.api_version) == key), None)
    if same is not None:
        return ProfileChoice(same, f"the server speaks {speaks}", speaks, supported)
    if key < (version_key(oldest.api_version) or (0, 0)):
        return ProfileChoice(oldest, f"the server speaks {speaks}, older than the oldest profile: judged with "
                                     f"{oldest.name}, the nearest", speaks, supported, exact=False)
    if key > (version_key(newest.api_version) or (0, 0)):
        return ProfileChoice(newest, f"the server speaks {speaks}, newer than the newest profile: judged with "
                                     f"{newest.name}, the nearest", speaks, supported, exact=False)
    below = [p for p in profiles if (version_key(p.api_version) or (0, 0)) < key][-1]
    return ProfileChoice(below, f"the server speaks {speaks}, which has no profile: judged with {below.name}, the "
                                f"nearest older one", speaks, supported, exact=False)
