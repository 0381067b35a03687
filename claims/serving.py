"""Run the app under gunicorn in a child process: the multi-process tests and the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from claims.config import ROOT

START_SECONDS = 120


def free_port() -> int:
    """Return a TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen, seconds: float = START_SECONDS) -> None:
    """Poll the login page until the server answers; raise if it exits or never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode} while starting")
        try:
            urllib.request.urlopen(f"{base}/login", timeout=5).close()
            return
        except OSError:  # refused, reset or timed out while it starts
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s")


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int = 2, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve app.py with gunicorn on a free port; yield its base URL and process once it answers.

    Its output goes to `log` when given (kept for a failing test to show), else nowhere.
    """
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    with log.open("wb") if log else open(os.devnull, "wb") as output:
        server = subprocess.Popen(
            [*command, "--timeout", "300", "app:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server)
            yield base, server
        finally:
            server.terminate()
            server.wait(timeout=60)
