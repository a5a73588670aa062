"""`make up` keeps its processes running: one that dies is started again, Ctrl-C stops all."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = """
import sys
from config.supervise import Service, supervise
py = sys.executable
crash = "import sys, pathlib; pathlib.Path({starts!r}).open('a').write('x'); sys.exit(3)"
steady = "import time, pathlib; pathlib.Path({steady!r}).write_text('up'); time.sleep(300)"
sys.exit(supervise([Service("crashy", [py, "-c", crash]), Service("steady", [py, "-c", steady])],
                   poll_seconds=0.05))
"""


def _start(tmp_path: Path) -> tuple["subprocess.Popen[str]", Path, Path]:
    starts, steady = tmp_path / "starts", tmp_path / "steady"
    code = SCRIPT.format(starts=str(starts), steady=str(steady))
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    return process, starts, steady


def test_a_process_that_dies_is_started_again_and_one_that_keeps_dying_stops_all(tmp_path):
    process, starts, steady = _start(tmp_path)
    status = process.wait(60)
    stderr = process.stderr.read() if process.stderr else ""
    assert status == 1
    assert stderr.count("crashy exited with status 3; starting it again.") == 5
    assert "crashy exited 5 times in a minute; stopping." in stderr
    assert starts.read_text() == "x" * 6
    assert steady.read_text() == "up"


def test_sigterm_stops_every_process_and_exits_cleanly(tmp_path):
    process, starts, steady = _start(tmp_path)
    deadline = time.monotonic() + 30
    while not (starts.exists() and len(starts.read_text()) >= 2 and steady.exists()):
        assert time.monotonic() < deadline, "the crashing service was not started again"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(40) == 0
    children = subprocess.run(
        ["pgrep", "-f", str(steady)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert children == []
