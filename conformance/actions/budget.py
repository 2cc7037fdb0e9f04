"""The hypothesis settings profiles of the action phase, and the budgets that go with them.

Three profiles are registered with hypothesis, all prefixed `conformance-` so they never collide
with a project's own:

- `conformance-ci` (the default): derandomized (the same examples on every run, so a CI verdict is
  stable), one example of each kind of input per operation and three short sequences: a budget sized
  for a first run, which still finds every fault of the mock; no example database, no deadline (a
  server's latency is not the code's speed);
- `conformance-dev`: random, a few more examples, failures kept in hypothesis's example database
  (`.hypothesis/` in the working folder) and replayed first on the next run;
- `conformance-deep`: long runs for a night: many examples, long sequences, the example database.

They are applied to the suite's own properties only; loading them never changes the settings of
other hypothesis tests in the same session.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

__all__ = ["BUDGETS", "PROFILES", "Budget", "profile_settings"]


@dataclass(frozen=True)
class Budget:
    """How much the action phase may do under one profile."""

    valid: int
    """Examples of valid input per operation."""
    invalid: int
    """Examples per kind of invalid input (missing element, wrong order, ...) per operation."""
    hrefs: int
    """Examples per Href variation (unknown id, unknown action) per operation."""
    creates: int
    """Create-then-Delete rounds per Create operation."""
    reversals: int
    """Rounds per reversible pair (toggle twice, edit with the same body)."""
    sequences: int
    """Sequences the state machine explores."""
    steps: int
    """Longest sequence."""
    lifecycles: int
    """Sequences the state machine explores per lifecycle (a type the links let a client create and delete)
    of two kinds of step; one with Edit or actions too gets proportionally more."""
    polls: int
    """Most polls of one Task before it counts as not finishing."""
    poll_interval: float
    """Longest wait between polls of a real server (they start at 50 ms and double); the mock's tasks
    move on per poll, so the mock is not waited for."""
    task_deletes: int
    """Tasks (started by the suite) deleted to check deletion."""


BUDGETS: dict[str, Budget] = {
    "conformance-ci": Budget(valid=1, invalid=1, hrefs=1, creates=1, reversals=1, sequences=20, steps=6,
                             lifecycles=4, polls=8, poll_interval=1.0, task_deletes=1),
    "conformance-dev": Budget(valid=4, invalid=4, hrefs=2, creates=2, reversals=2, sequences=30, steps=8,
                              lifecycles=20, polls=15, poll_interval=1.0, task_deletes=3),
    "conformance-deep": Budget(valid=25, invalid=20, hrefs=10, creates=10, reversals=5, sequences=300, steps=20,
                               lifecycles=100, polls=60, poll_interval=2.0, task_deletes=10),
}

_COMMON = dict(deadline=None, suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
               report_multiple_bugs=False, print_blob=False)

def _database() -> ExampleDatabase:
    """The example database for the replaying profiles, named explicitly: a profile built from
    defaults would inherit whatever profile the environment loaded (hypothesis loads a database-less
    `ci` profile when `CI` is set), and replay must not depend on where it runs."""
    return DirectoryBasedExampleDatabase(".hypothesis/conformance")


PROFILES: dict[str, settings] = {
    "conformance-ci": settings(derandomize=True, database=None, max_examples=BUDGETS["conformance-ci"].valid,
                               stateful_step_count=BUDGETS["conformance-ci"].steps,
                               phases=(Phase.explicit, Phase.generate, Phase.shrink), **_COMMON),
    "conformance-dev": settings(derandomize=False, database=_database(), max_examples=BUDGETS["conformance-dev"].valid,
                                stateful_step_count=BUDGETS["conformance-dev"].steps,
                                phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink), **_COMMON),
    "conformance-deep": settings(derandomize=False, database=_database(),
                                 max_examples=BUDGETS["conformance-deep"].valid,
                                 stateful_step_count=BUDGETS["conformance-deep"].steps,
                                 phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
                                 **_COMMON),
}

for _name, _settings in PROFILES.items():
    settings.register_profile(_name, _settings)


def profile_settings(name: str) -> settings:
    """The registered settings of a `conformance-` profile; ValueError names the known ones."""
    if name not in PROFILES:
        raise ValueError(f"unknown hypothesis profile {name!r}; known: {', '.join(PROFILES)}")
    return settings.get_profile(name)
