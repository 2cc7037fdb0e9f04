"""pytest hooks of the conformance suite: options, the crawl at collection (once, by the controller,
under pytest-xdist), items, summaries.

Hooks stay thin: each one delegates to `settings`, `runner`, `items` or `report`. The plugin is
inert unless a target is given, so other suites installed beside it are untouched.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ..run.settings import Settings, add_options, resolve

settings_key = pytest.StashKey[Settings]()
inputs_key = pytest.StashKey[Any]()  # runner.Inputs, checked at session start
run_key = pytest.StashKey[Any]()  # runner.Run once the crawl is done (not on xdist workers: they report nothing)
handoff_key = pytest.StashKey[Any]()  # workers.Handoff: how an xdist controller hands its crawl to its workers
node_ids_key = pytest.StashKey[list[str]]()  # node ids of conformance items given as arguments
narrowed_key = pytest.StashKey[str]()  # what naming items narrowed (rules judged, no action phase), in words
not_applicable_key = pytest.StashKey[list[str]]()  # node ids given that name pairs with nothing to judge, and why
said_key = pytest.StashKey[bool]()  # the run stopped with its reason said: pytest's stop banner would repeat it

_EXIT_TARGET = 3  # the target could not be reached or refused the logon (pytest's INTERNAL_ERROR code)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance_rule(id, family, severity, kind): item checks the conformance "
                                       "rule `id` on the resource type `kind`")
    config.addinivalue_line("markers", "unsafe: item may change state on the target (actions beyond GET)")
    settings = resolve(config)
    config.stash[settings_key] = settings
    if not settings.active:
        return
    from ..process.heap import release, settle

    # The modules imported so far live as long as the session: kept out of the collections from
    # now on, and handed back by a cleanup registered first, so run last: after the full
    # collections pytest's own plugins make at the end of a session (the unraisable-exception
    # check), which then pass over none of the run.
    settle()
    config.add_cleanup(release)
    from .items import family_markers, node_arguments, register_markers

    register_markers(config, family_markers())
    # Node ids such as `conformance::LNK004[Job]` name items, not files: pytest must not look for
    # them on disk; they select among the items once the crawl has made them.
    others, node_ids = node_arguments(config.args)
    if node_ids:
        config.args = others
        config.stash[node_ids_key] = node_ids
    _narrow(config, settings, node_ids)
    if hasattr(config, "workerinput"):
        return  # an xdist worker judges items; its controller gathers the results and writes the reports
    config.pluginmanager.register(_Results(config), "conformance-results")
    if config.pluginmanager.hasplugin("html"):
        from ..report.html import HtmlSummary

        config.pluginmanager.register(HtmlSummary(config, run_key), "conformance-html")


def _narrow(config: pytest.Config, settings: Settings, node_ids: list[str]) -> None:
    """Items named by node id, or the last failures under --lf, need only their rules (and no
    action phase when none of those rules needs writes): the run sends no more than they need."""
    from ..run.narrowing import last_failures, narrowed

    if not node_ids and config.getoption("lf", False) and getattr(config, "cache", None) is not None:
        failed = list(config.cache.get("cache/lastfailed", {}))
        node_ids = last_failures(failed)
        if node_ids != failed:
            return  # other tests failed last time too: they are run as well, and decide nothing here
    narrower, said = narrowed(settings, node_ids)
    if said is not None:
        config.stash[settings_key] = narrower
        config.stash[narrowed_key] = said


def _settings(config: pytest.Config) -> Settings | None:
    settings = config.stash.get(settings_key, None)
    return settings if settings is not None and settings.active else None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Check every input before anything is sent or written: a mistake is a usage error (exit 4)
    reported in one line, and the session (reports included) does not start."""
    settings = _settings(session.config)
    if settings is None:
        return
    from ..errors import ConformanceError
    from ..run.runner import load_inputs

    try:
        session.config.stash[inputs_key] = load_inputs(settings)
    except ConformanceError as exc:
        raise pytest.UsageError(f"conformance: {exc}") from None


def _start(config: pytest.Config, settings: Settings) -> Any:
    from ..errors import ConformanceError, TargetError
    from ..run.runner import crawl_run, prepare_run

    progress = _ProgressLine(config)
    try:
        run = prepare_run(settings, config.stash.get(inputs_key, None))
        config.stash[run_key] = run  # stored before the crawl: an interrupted run still reports
        crawl_run(run, progress)
    except TargetError as exc:
        # The error once, on stderr where CI logs look first; pytest's own stop line only names the exit.
        from ..report.plain import shown

        sys.stderr.write(f"conformance: error: {shown(str(exc))}\n")
        config.stash[said_key] = True
        pytest.exit("conformance: stopped: target unreachable or logon refused", returncode=_EXIT_TARGET)
    except ConformanceError as exc:
        raise pytest.UsageError(f"conformance: {exc}") from None
    progress.done(run.snapshot)
    return run


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    settings = _settings(config)
    return True if settings is not None and settings.only else None


def _shared(config: pytest.Config, settings: Settings) -> Any:
    """An xdist worker's run: the snapshot its controller crawled."""
    from ..errors import ConformanceError
    from .workers import shared_run

    try:
        return shared_run(settings, config.stash[inputs_key], config.workerinput)  # type: ignore[attr-defined]
    except ConformanceError as exc:
        raise pytest.UsageError(f"conformance: {exc}") from None


def _handoff(config: pytest.Config) -> Any:
    from .workers import Handoff

    if handoff_key not in config.stash:
        config.stash[handoff_key] = Handoff()
    return config.stash[handoff_key]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Each xdist worker is told where its controller's crawl will be handed over."""
    if _settings(node.config) is not None:
        node.workerinput.update(_handoff(node.config).workerinput())


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """An xdist controller collects no items, so it crawls here, once, and hands the crawl to its
    workers, which are collecting by now and wait for it."""
    settings = _settings(session.config)
    if settings is None:
        return
    from .workers import distributing

    if distributing(session.config):
        from .items import NODE, ConformanceCollector

        run = _start(session.config, settings)
        collector = ConformanceCollector.from_parent(session, name=NODE, nodeid=NODE, run=run)
        _select(session.config, run, collector, [])  # the items themselves, the workers make and select
        _handoff(session.config).publish(run)


def _select(config: pytest.Config, run: Any, collector: Any, items: list[pytest.Item]) -> list[pytest.Item]:
    """The items the node ids name; the pairs with nothing to judge the selection keeps, recorded
    as not applicable (`items.select_pairs`); node ids that name no pair refused."""
    from .items import select_pairs

    chosen = select_pairs(config, collector, items, config.stash.get(node_ids_key, None) or [])
    _refuse_unmatched(chosen.unmatched)
    for result in chosen.not_applicable:
        run.record(result)
    if chosen.named:
        config.stash[not_applicable_key] = chosen.named
    return chosen.items


def _refuse_unmatched(node_ids: list[str]) -> None:
    if node_ids:  # as pytest answers a test id that names no test
        raise pytest.UsageError(*(f"not found: {node_id}\n(no rule x resource type of this run has that id)"
                                  for node_id in node_ids))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = _settings(config)
    if settings is None:
        return
    from .items import NODE, ConformanceCollector

    # The crawl decides which items exist, so it runs at collection; an xdist worker reads its controller's.
    run = _shared(config, settings) if hasattr(config, "workerinput") else _start(config, settings)
    if run is None:
        return  # the controller's crawl stopped: it reports why

    collector = ConformanceCollector.from_parent(session, name=NODE, nodeid=NODE, run=run)
    added = list(collector.collect())
    if hasattr(config, "workerinput"):  # the controller records what is not applicable
        node_ids = config.stash.get(node_ids_key, None)
        if node_ids:
            from .items import select_node_ids

            added, _ = select_node_ids(added, node_ids)
    else:
        added = _select(config, run, collector, added)
    items.extend(added)
    # Tell the reporters, so "collected N items" counts these too (they come from no file).
    session.ihook.pytest_collectreport(report=pytest.CollectReport(collector.nodeid, "passed", None, added))
    from ..process.heap import settle

    settle()  # the run's objects and its items live to its end: kept out of the collections until then


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """A conformance item runs lean (`protocol`): its result was judged at collection."""
    from .items import ConformanceItem

    if not isinstance(item, ConformanceItem):
        return None
    from .protocol import run_item

    run_item(item, nextitem)
    return True


def _cut_short(run: Any, exitstatus: int) -> int:
    """A run that judged less than it set out to never exits 0: a session the target lost exits 3
    (a target failure, whatever was found before it), a run stopped by its deadline 2 (as if
    interrupted) unless it found violations (1)."""
    meta = run.snapshot.meta
    if meta.get("target_failure") and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                                                     pytest.ExitCode.NO_TESTS_COLLECTED):
        from ..report.plain import shown

        sys.stderr.write(f"conformance: error: {shown(meta['target_failure'])}\n")
        return _EXIT_TARGET
    if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return exitstatus
    if meta.get("incomplete"):
        from ..report.plain import shown

        sys.stderr.write(f"conformance: incomplete: {shown('; '.join(meta['incomplete']))}\n")
        return pytest.ExitCode.INTERRUPTED
    return exitstatus


def _stop_reason(session: pytest.Session, exitstatus: int) -> str | None:
    """Why the session ended before every item ran (Ctrl-C, `-x`; under xdist the controller's
    session says why), or None."""
    dsession = session.config.pluginmanager.get_plugin("dsession")
    why = session.shouldfail or session.shouldstop or getattr(dsession, "shouldstop", None)
    if why:
        return str(why)
    return "interrupted" if exitstatus == pytest.ExitCode.INTERRUPTED else None


@pytest.hookimpl(tryfirst=True)  # before pytest-html and the terminal summary read the run
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from ..run.runner import close_run

    run = session.config.stash.get(run_key, None)
    stopped = _stop_reason(session, exitstatus)
    handoff = session.config.stash.get(handoff_key, None)
    if handoff is not None:  # workers still waiting for a crawl that never finished are let go
        handoff.stop(stopped or "the crawl did not finish")
    if run is not None:
        run.finish(stopped)
        exitstatus = session.exitstatus = _cut_short(run, exitstatus)
    if run is not None and run.settings.json:
        from ..report.results import build_results, write_results

        run.results_path = write_results(run.settings.json, build_results(run, exit_status=int(exitstatus)))
    close_run(run)
    from ..process.heap import settle

    settle()  # the run, its items and their reports live to the end of the session (see pytest_configure)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if _settings(item.config) is not None:
        from .items import attach_result

        attach_result(item, report)
    return report


class _Results:
    """Gathers item results from the reports, where the items ran here or on xdist workers."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        run = self.config.stash.get(run_key, None)
        if run is not None:
            from .items import reported_result

            result = reported_result(report)
            if result is not None:
                run.record(result)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if config.stash.get(said_key, False):
        # The reason was said in one clear line; pytest would add its own `! ...Exit: ... !` banner.
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and hasattr(reporter, "_keyboardinterrupt_memo"):
            reporter._keyboardinterrupt_memo = None
    handoff = config.stash.get(handoff_key, None)
    if handoff is not None:  # after the workers are gone
        handoff.release()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(run_key, None)
    if run is not None:
        from ..report.plain import shown
        from ..report.text import summary_lines

        terminalreporter.section("conformance summary")
        if narrowed_key in config.stash:
            terminalreporter.write_line(config.stash[narrowed_key])
        for line in config.stash.get(not_applicable_key, []):
            terminalreporter.write_line(shown(line))
        for line in summary_lines(run):
            terminalreporter.write_line(shown(line))
        if getattr(run, "results_path", None) and not run.settings.only:  # the command names its files itself
            terminalreporter.write_line(f"results JSON written to {run.results_path}")


class _ProgressLine:
    """Live crawl counters on one terminal line, redrawn at most ten times a second."""

    def __init__(self, config: pytest.Config):
        self.reporter = config.pluginmanager.get_plugin("terminalreporter")
        self.last = time.perf_counter()

    def __call__(self, progress: Any) -> None:
        # A terminal gets a live line; a log (CI) gets a plain line every few seconds instead.
        now = time.perf_counter()
        interval = 0.1 if self.reporter is not None and self.reporter.isatty else 5.0
        if self.reporter is None or now - self.last < interval:
            return
        self.last = now
        line = f"conformance: crawling: {progress.fetched} fetched, {progress.queued - progress.fetched} queued, " \
               f"{progress.failed} failed, {progress.rate:.0f}/s"
        if self.reporter.isatty:
            self.reporter.rewrite(line, erase=True)
        else:
            self.reporter.write_line(line)

    def done(self, snapshot: Any) -> None:
        if self.reporter is None:
            return
        meta = snapshot.meta
        line = f"conformance: crawled {len(snapshot)} resources of {meta.get('target')} " \
               f"(profile {meta.get('profile')}, left out: {meta.get('skipped_sampling', 0)} by sampling " \
               f"(--per-template {meta.get('per_template') or 'no limit'}), {meta.get('skipped_budget', 0)} " \
               f"over budget, {meta.get('skipped_origin', 0)} off-origin)"
        if self.reporter.isatty:
            self.reporter.rewrite(line, erase=True)
            self.reporter.write_line("")
        else:
            self.reporter.write_line(line)
