"""The mock keeps bounded memory under load: finished tasks age out, and sessions never logged
off are closed oldest first."""

from conformance.mock import auth, tasks
from conformance.mock.auth import Sessions
from conformance.mock.tasks import TaskBoard


def test_finished_tasks_started_here_age_out_beyond_a_cap_running_and_past_ones_stay(monkeypatch):
    monkeypatch.setattr(tasks, "KEEP_FINISHED", 3)
    board = TaskBoard({})
    finished = [board.start("Start", "Job", str(i), steps=0).id for i in range(5)]
    running = board.start("Stop", "Job", "x").id
    kept = {task.id for task in board.all()}
    assert kept == {*finished[-3:], running}
    assert board.get(finished[0]) is None and board.observe(running).state == "Running"


def test_sessions_beyond_the_cap_close_the_oldest_first(monkeypatch):
    monkeypatch.setattr(auth, "MAX_SESSIONS", 2)
    sessions = Sessions(0, "admin", "pw")
    first, second, third = (sessions.open("v1_7") for _ in range(3))
    assert sessions.all() == [second, third]
    assert sessions.of_request({"x-restsvcsessionid": first.token}, {}) is None


def test_running_tasks_nobody_polls_age_out_beyond_a_cap_oldest_first(monkeypatch):
    monkeypatch.setattr(tasks, "KEEP_RUNNING", 2)
    board = TaskBoard({"task-1": TaskBoard({}).start("Past", None, None, steps=0)})
    running = [board.start("Start", "Job", str(i)).id for i in range(4)]
    assert [task.id for task in board.all()] == ["task-1", *running[-2:]]
    assert board.get(running[0]) is None and board.observe(running[-1]).state == "Running"
