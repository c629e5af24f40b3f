"""Job logging: records reach the terminal and the log; native stderr chatter only the log."""

import subprocess
import sys

JOB = """
import os, sys
from rbpgia.workflow.logs import setup_logging
log = setup_logging(sys.argv[1], native_stderr=True)
os.write(2, b"I0000 native start-up chatter\\n")
log.info("epoch 1/3 done")
os.write(2, b"W0000 more native chatter\\n")
log.warning("last line")
raise ValueError("bad intensity on line 7")
"""


def test_native_stderr_goes_to_the_log_only(tmp_path):
    log_path = tmp_path / "job.log"
    log_path.write_text("left over from an earlier attempt\n")
    result = subprocess.run(
        [sys.executable, "-c", JOB, str(log_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    terminal = result.stderr
    assert "epoch 1/3 done" in terminal
    assert "last line" in terminal
    assert "bad intensity on line 7" in terminal
    assert "native" not in terminal

    lines = log_path.read_text().splitlines()
    assert "left over" not in "\n".join(lines)
    order = [
        next(i for i, line in enumerate(lines) if text in line)
        for text in ("native start-up", "epoch 1/3 done", "more native", "last line")
    ]
    assert order == sorted(order)  # appended in the order written, nothing overwritten
    assert any("failed: ValueError: bad intensity on line 7" in line for line in lines)


def test_without_native_capture_stderr_is_untouched(tmp_path):
    code = JOB.replace("native_stderr=True", "native_stderr=False")
    log_path = tmp_path / "job.log"
    result = subprocess.run(
        [sys.executable, "-c", code, str(log_path)], capture_output=True, text=True, timeout=60
    )
    assert "native start-up chatter" in result.stderr
    assert "native" not in log_path.read_text()
