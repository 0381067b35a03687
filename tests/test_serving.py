"""The gunicorn helper shared by the multi-process tests and the benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from claims.serving import free_port, wait_until_up


def test_free_port_can_be_bound():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", free_port()))


def test_a_server_that_exits_while_starting_is_reported_at_once():
    server = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    server.wait(timeout=30)
    with pytest.raises(RuntimeError, match="exited with code 3"):
        wait_until_up(f"http://127.0.0.1:{free_port()}", server, seconds=60)


def test_a_server_that_never_answers_times_out():
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(RuntimeError, match="did not answer within 1 s"):
            wait_until_up(f"http://127.0.0.1:{free_port()}", server, seconds=1)
    finally:
        server.kill()
        server.wait()
