"""Resolving the plugin's settings once: command-line option, then environment, then ini, then default."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..mock.surfaces import SIZE_RESOURCES, SURFACES

__all__ = ["OPTIONS", "PASSWORD_ENV", "Settings", "add_options", "resolve", "resolve_args"]

PASSWORD_ENV = "CONFORMANCE_PASSWORD"


@dataclass(frozen=True)
class _Option:
    name: str  # settings field; option is --conformance-<name with dashes>, ini conformance_<name>
    help: str
    default: Any
    parse: Callable[[str], Any] = str
    flag: bool = False
    multiple: bool = False
    command_line_only: bool = False
    """No environment variable nor ini key: a setting of one invocation, never of a project."""

    @property
    def option(self) -> str:
        return "--conformance-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "conformance_" + self.name

    @property
    def env(self) -> str:
        return "CONFORMANCE_" + self.name.upper()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be 0 (no limit) or more")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _bool(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _mock_size(text: str) -> int:
    from ..mock.data import MAX_SIZE  # imported when given: loading the plugin stays cheap

    value = int(text)
    if not 1 <= value <= MAX_SIZE:
        raise ValueError(f"must be from 1 to {MAX_SIZE}")
    return value


def _moment(text: str) -> datetime:
    from ..mock.data import parse_moment  # imported when given, as for the size

    return parse_moment(text)


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return text

    return parse


def _existing_path(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise ValueError("no such file or folder")
    return path


OPTIONS: tuple[_Option, ...] = (
    _Option("target", "API root URL to check (https://HOST:9398/api/), or 'mock' for the embedded mock. "
            "Without it the plugin stays inert.", None),
    _Option("user", "user name for the logon (the password comes from the environment variable "
            f"{PASSWORD_ENV} only).", "admin"),
    _Option("profile", "profile: API version (v1_7) or product version alias (13), or a path to a .toml file; "
            "default: the version the server speaks (logon with ?v=latest) picks it.", None),
    _Option("schema", "XSD file or folder (e.g. the RestAPI.xsd of an installation); overrides the profile's schemas.",
            None, _existing_path),
    _Option("insecure", "do not verify the server's TLS certificate (self-signed installs); prints a warning.",
            False, _bool, flag=True),
    _Option("ca_bundle", "PEM file of CA certificates to verify the server's TLS certificate with.", None, _existing_path),
    _Option("format", "the form the crawl asks for: xml (Accept: application/xml) or json (every resource asked "
            "for as application/json and judged in that form by every rule that can read it, the schemas "
            "included).", "xml", _choice("xml", "json")),
    _Option("max_resources", "stop following links after this many resources; the rest is reported as not "
            "covered, and the budget is shared round robin among URL templates.", 5000, _positive_int),
    _Option("per_template", "fetch at most this many URLs of one URL template (the members of a collection, "
            "e.g. /api/jobs/{id}), so the crawl reaches every template before it repeats one; the rest is "
            "reported as sampled, not judged. 0: no limit.", 10, _count),
    _Option("timeout", "seconds for one whole request (connection, answer and body), in every phase; a "
            "request past it is a finding on its URL (the logon's stops the run).", 20.0, _positive_float),
    _Option("max_body", "largest response body read, in bytes counted after decompression; a larger body is a "
            "finding (the logon's stops the run).", 16 * 1024 * 1024, _positive_int),
    _Option("deadline", "seconds for the whole run (crawl, probes, actions); past it the run stops crawling, "
            "logs off and judges what it has, marked incomplete.", 1800.0, _positive_float),
    _Option("concurrency", "requests in flight at once.", 8, _positive_int),
    _Option("mock_size", "with target 'mock': size of the mock's backup estate, about this many records (jobs, "
            "sessions, restore points, ...; 1 to 100000). The API shows each record in several resources, so "
            f"{SIZE_RESOURCES}.", 40, _mock_size),
    _Option("mock_seed", "with target 'mock': seed of the mock's data.", 0, int),
    _Option("mock_surface", "with target 'mock': what it serves, documented (every documented resource area) or "
            "key (the key resources alone: a smaller, faster server).", SURFACES[0], _choice(*SURFACES)),
    _Option("mock_fault", "with target 'mock': switch on a named fault (repeatable).", (), str, multiple=True),
    _Option("mock_now", "with target 'mock': the moment its data is generated for, ISO 8601 "
            "(2026-01-01T00:00:00Z; UTC when no offset is given). Default: the time the run starts; "
            "reproductions name the moment either way.", None, _moment),
    _Option("mock_replay", "with target 'mock': serve this recording (a folder `conformance record` wrote) "
            "instead of generated data; read-only, so no action is sent.", None, _existing_path),
    _Option("actions", "what may be sent beyond GET: none (read-only), safe, or all. Default: all against the "
            "mock, none against any other target.", None, _choice("none", "safe", "all")),
    _Option("dry_run", "list every request the action phase would send (see --conformance-actions) and send "
            "none of them; the crawl's GETs still go out.", False, _bool, flag=True),
    _Option("hypothesis_profile", "hypothesis settings of the action phase: conformance-ci (derandomized, "
            "sized for a first run: one example of each kind of input per operation), conformance-dev (keeps failures in the example database and replays them first) or "
            "conformance-deep (long runs).", "conformance-ci",
            _choice("conformance-ci", "conformance-dev", "conformance-deep")),
    _Option("rules", "run only these rules: ids or families, comma-separated (e.g. LNK,REL002,protocol).", (),
            str, multiple=True),
    _Option("skip_rules", "skip these rules: ids or families, comma-separated.", (), str, multiple=True),
    _Option("fail_on", "lowest severity that fails the gate: error, warning or info; findings below it are "
            "reported as waived.", "warning", _choice("error", "warning", "info")),
    _Option("baseline", "TOML file of known violations (waivers); matching findings do not fail the gate.", None,
            _existing_path),
    _Option("json", "write the results JSON (schema conformance-results/1) to this path.", None, Path),
    _Option("only", "what `conformance run` passes: collect only the conformance items, not the test files "
            "around; check the embedded mock when no target is set; leave naming the report files to the command.",
            False, _bool, flag=True, command_line_only=True),
    _Option("snapshot", "write the crawl's snapshot (JSON) to this path.", None, Path),
)


@dataclass(frozen=True)
class Settings:
    """Every knob of a run, resolved and validated once at configure time."""

    target: str | None
    user: str
    profile: str | None
    """None: the API version the server speaks picks the profile after logon."""
    schema: Path | None
    insecure: bool
    ca_bundle: Path | None
    max_resources: int
    per_template: int
    timeout: float
    max_body: int
    deadline: float
    concurrency: int
    mock_size: int
    mock_seed: int
    mock_fault: tuple[str, ...]
    actions: str | None
    rules: tuple[str, ...]
    skip_rules: tuple[str, ...]
    fail_on: str
    baseline: Path | None
    json: Path | None
    only: bool
    snapshot: Path | None
    dry_run: bool = False
    hypothesis_profile: str = "conformance-ci"
    mock_now: datetime | None = None
    mock_surface: str = SURFACES[0]
    mock_replay: Path | None = None
    format: str = "xml"

    @property
    def effective_actions(self) -> str:
        """Read-only unless asked, except on the mock, which exists to be changed (a replay of a
        recording is no such mock: it holds no answer to a write)."""
        return self.actions or ("all" if self.target == "mock" and self.mock_replay is None else "none")

    @property
    def active(self) -> bool:
        return bool(self.target)

    @property
    def password(self) -> str | None:
        """Read when needed, never stored in a record that might be printed."""
        return os.environ.get(PASSWORD_ENV)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "link-contract conformance")
    for opt in OPTIONS:
        text = opt.help if opt.command_line_only else f"{opt.help} [env {opt.env}, ini {opt.ini}]"
        if opt.flag:
            group.addoption(opt.option, action="store_true", default=None, dest=opt.ini, help=text)
        elif opt.multiple:
            group.addoption(opt.option, action="append", default=None, dest=opt.ini, metavar="NAME", help=text)
        else:
            group.addoption(opt.option, default=None, dest=opt.ini, metavar=opt.name.upper(), help=text)
        if not opt.command_line_only:
            parser.addini(opt.ini, help=opt.help, type="linelist" if opt.multiple else "string", default=None)


_Lookup = Callable[[_Option], Any]


def _value(opt: _Option, option: _Lookup, ini: _Lookup) -> Any:
    sources: list[tuple[str, Any]] = [(opt.option, option(opt))]
    if not opt.command_line_only:
        sources += [(f"environment variable {opt.env}", os.environ.get(opt.env)),
                    (f"ini {opt.ini}", ini(opt) or None)]
    for source, raw in sources:
        if raw is None or raw == []:
            continue
        if opt.flag and raw is True:
            return True
        if opt.multiple:
            items = raw if isinstance(raw, list) else [part for part in str(raw).replace(",", " ").split()]
            return tuple(_parse(opt, item, source) for item in items)
        return _parse(opt, raw, source)
    return opt.default


def _parse(opt: _Option, raw: Any, source: str) -> Any:
    try:
        return opt.parse(str(raw))
    except ValueError as exc:
        raise pytest.UsageError(f"{source}: invalid value {raw!r}: {exc}") from None


def resolve(config: pytest.Config) -> Settings:
    """One place, one precedence order, one validator (option > env > ini > default)."""
    return _resolve(lambda opt: config.getoption(opt.ini), lambda opt: config.getini(opt.ini))


def resolve_args(args: Sequence[str]) -> Settings:
    """The settings of plugin options given as arguments (`--conformance-target URL ...`), then the
    environment, then the defaults: for a command that crawls without a pytest session."""
    by_flag = {opt.option: opt for opt in OPTIONS}
    given: dict[str, Any] = {}
    items = iter(args)
    for arg in items:
        opt = by_flag.get(arg)
        if opt is None:
            continue
        if opt.flag:
            given[opt.ini] = True
        elif opt.multiple:
            given.setdefault(opt.ini, []).append(next(items))
        else:
            given[opt.ini] = next(items)
    return _resolve(lambda opt: given.get(opt.ini), lambda opt: None)


def _resolve(option: _Lookup, ini: _Lookup) -> Settings:
    values = {opt.name: _value(opt, option, ini) for opt in OPTIONS}
    if values["only"] and values["target"] is None:
        values["target"] = "mock"  # `conformance run` checks something even where nothing is configured
    settings = Settings(**values)
    if settings.insecure and settings.ca_bundle:
        raise pytest.UsageError("--conformance-insecure and --conformance-ca-bundle contradict each other; pick one")
    from ..rules.selection import UnknownRuleError, select_rules

    try:
        select_rules(settings.rules, settings.skip_rules)
    except UnknownRuleError as exc:
        raise pytest.UsageError(f"--conformance-rules/--conformance-skip-rules: {exc}") from None
    for name, value in (("fault", settings.mock_fault), ("replay", settings.mock_replay)):
        if value and settings.target != "mock":
            raise pytest.UsageError(f"--conformance-mock-{name} only applies to --conformance-target mock, "
                                    f"not to {settings.target}")
    if settings.mock_replay is not None and settings.actions not in (None, "none"):
        raise pytest.UsageError(f"--conformance-actions {settings.actions}: a replay of a recording answers no "
                                "write; it is judged read-only (--conformance-actions none)")
    return settings
