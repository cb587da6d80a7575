"""The supervisor against real child processes (small Python programs that print a ready line): one that dies is
started again and counted; one that keeps dying ends the run, named with its last error."""

from __future__ import annotations

import os
import signal
import sys

import anyio
import pytest

from tests.support.waiting import eventually
from violet.app.supervisor import ChildGaveUp, RestartPolicy, Supervisor, gave_up_in

pytestmark = pytest.mark.anyio
FAST = RestartPolicy(initial_s=0.01, max_s=0.05, give_up_after=3, window_s=60.0)


def program(body: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        f"import sys, time\nprint('{{\"pid\": %d}}' % __import__('os').getpid(), flush=True)\n{body}",
    ]


async def test_a_child_that_dies_is_started_again_and_counted() -> None:
    async with anyio.create_task_group() as tg:
        sup = Supervisor(tg, FAST)
        ready = await sup.start("sleeper", program("time.sleep(600)"))
        first = int(ready["pid"])
        os.kill(first, signal.SIGKILL)
        await eventually(lambda: sup.restarts["sleeper"] == 1, "restarted")
        assert sup._procs["sleeper"].pid != first
        await sup.stop()
        tg.cancel_scope.cancel()


async def test_a_child_that_keeps_dying_ends_the_run_naming_it_and_its_last_error() -> None:
    with pytest.raises(BaseException) as caught:  # the task group wraps it: unwrapped below
        async with anyio.create_task_group() as tg:
            sup = Supervisor(tg, FAST)
            await sup.start("crasher", program("sys.exit(3)"))
            await anyio.sleep_forever()
    gave_up = gave_up_in(caught.value)
    assert gave_up is not None, caught.value
    assert (gave_up.child, gave_up.failures) == ("crasher", 3)
    assert str(gave_up) == "crasher failed 3 times within 60 s; giving up (last: exited with code 3)"
    assert sup.restarts["crasher"] == 2, "restarted between failures, with a wait"


def test_the_waits_grow_and_are_capped() -> None:
    policy = RestartPolicy(initial_s=0.5, max_s=10.0)
    assert [policy.wait_s(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]


def test_violet_run_exits_six_naming_the_child(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from violet.cli import run_command

    def dies(*_: object) -> object:
        raise BaseExceptionGroup("group", [ChildGaveUp("violet feed shard 0", 5, 60.0, "killed by signal 9")])

    monkeypatch.setattr(run_command, "run_on_uvloop", dies)
    assert run_command.run(None, 1.0, True) == run_command.CHILD_GAVE_UP == 6
    assert "violet feed shard 0 failed 5 times within 60 s" in caplog.text
    assert "killed by signal 9" in caplog.text
