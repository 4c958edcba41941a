"""A command that has finished ignores Ctrl-C while the interpreter tears down: Python resets its own SIGINT
handler to the default while finalizing, and a Ctrl-C then killed the process by the signal (exit -2, silently)
after the work was done. An ignored signal stays ignored through finalization."""

from __future__ import annotations

import signal

import pytest

import cli


@pytest.mark.parametrize("code", [0, 2, 3])
def test_a_finished_command_exits_with_its_code_and_ignores_a_late_ctrl_c(code: int) -> None:
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as exited:
            cli._exit(code)
        assert exited.value.code == code
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
