"""Shared helpers for end-to-end tests: run the real `assay` command in a temp home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSAY = Path(sys.executable).with_name("assay")
SPEC = ROOT / "specs" / "arithmetic.toml"


def env_for(home: Path, **extra: str) -> dict[str, str]:
    # No ASSAY_* setting and no provider key of the machine's: a test sets what it needs.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_") and not k.endswith("_API_KEY")}
    env.update({"ASSAY_HOME": str(home), "ASSAY_LOG_LEVEL": "WARNING", **extra})
    return env


def assay(home: Path, *args: str, timeout: float = 180, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ASSAY), *args],
        env=env_for(home, **extra),
        cwd=home.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def exit_code_of_main(*args: str) -> int:
    """``assay ARGS`` run in this process (``cli.main``) with ``sys.argv`` set; its exit code. main() sets its own
    Ctrl-C handling, so this process's handler (pytest's) is put back after."""
    from cli import main

    previous, argv = signal.getsignal(signal.SIGINT), sys.argv
    sys.argv = ["assay", *args]
    try:
        main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.argv = argv
    return 0
