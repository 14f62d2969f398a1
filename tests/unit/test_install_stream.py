"""Running a planned command: real child processes, output as it comes, cancel, exit status."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from takopi_core.plugins.install import InstallError, PipCommand, stream


def _command(script: str) -> PipCommand:
    return PipCommand("install", ("demo",), (sys.executable, "-c", script), "pip")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its parent is gone for our purposes
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False


def _still_alive_after(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return _alive(pid)


def test_lines_come_merged_in_order_with_the_exit_status() -> None:
    script = (
        "import sys\n"
        "print('Collecting demo', flush=True)\n"
        "print('WARNING: a warning', file=sys.stderr, flush=True)\n"
        "sys.stdout.write('Downloading 10%\\rDownloading 100%\\n'); sys.stdout.flush()\n"
        "print('ERROR: \\x1b]52;c;aGk=\\x07 failed', flush=True)\n"
        "sys.exit(3)\n"
    )
    running = stream(_command(script))
    lines = list(running)
    assert lines == [
        "Collecting demo",
        "WARNING: a warning",
        "Downloading 10%",
        "Downloading 100%",
        "ERROR: \\x1b]52;c;aGk=\\x07 failed",  # control characters escaped, not passed on
    ]
    result = running.result
    assert result.returncode == 3 and not result.ok and not result.cancelled
    assert result.lines == tuple(lines)


def test_the_first_line_arrives_before_the_child_ends(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    script = (
        "import os, time\n"
        "print('first', flush=True)\n"
        f"while not os.path.exists({str(gate)!r}): time.sleep(0.01)\n"
        "print('second', flush=True)\n"
    )
    with stream(_command(script)) as running:
        assert next(running) == "first"  # would block forever if output were collected
        assert not running.done
        gate.touch()
        assert list(running) == ["second"]
    assert running.result.ok


def test_result_before_the_end_is_an_error() -> None:
    with stream(_command("print('x')")) as running:
        with pytest.raises(RuntimeError, match="still running"):
            _ = running.result
        running.wait()
        assert running.result.lines == ("x",)


def test_cancel_from_another_thread_ends_the_child_and_its_helpers(tmp_path: Path) -> None:
    helper_pid = tmp_path / "helper.pid"
    script = (
        "import subprocess, sys, time\n"
        "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(helper_pid)!r}, 'w').write(str(helper.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    running = stream(_command(script))
    assert next(running) == "started"
    helper = int(helper_pid.read_text())
    threading.Timer(0.05, running.cancel).start()
    assert list(running) == []  # iteration ends once the group is killed
    result = running.result
    assert result.cancelled and not result.ok and result.returncode < 0
    deadline = time.monotonic() + 5
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(helper)


def test_leaving_the_with_block_early_kills_the_child() -> None:
    with stream(_command("import time\nprint('go', flush=True)\ntime.sleep(60)")) as running:
        assert next(running) == "go"
        pid = running.pid
    assert running.result.cancelled
    assert not _alive(pid)


def test_a_missing_program_is_an_install_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-python")
    with pytest.raises(InstallError, match=r"cannot run .*no-such-python"):
        stream(PipCommand("install", ("x",), (missing, "-m", "pip"), "pip"))


def test_the_child_never_waits_for_input() -> None:
    running = stream(_command("import sys\nprint(repr(sys.stdin.read()))"))
    assert list(running) == ["''"]


def test_cancel_kills_a_helper_that_ignores_sigterm(tmp_path: Path) -> None:
    helper_pid = tmp_path / "helper.pid"
    helper = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('helper ready', flush=True); time.sleep(600)"
    )
    script = (
        "import subprocess, sys, time\n"
        f"helper = subprocess.Popen([sys.executable, '-c', {helper!r}], stdout=subprocess.PIPE)\n"
        "helper.stdout.readline()  # its SIGTERM handler is in place\n"
        f"open({str(helper_pid)!r}, 'w').write(str(helper.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    running = stream(_command(script))
    assert next(running) == "started"
    helper_process = int(helper_pid.read_text())
    running.cancel()  # the leader dies of SIGTERM at once; the helper shrugs it off
    # The helper holds the output pipe open: iteration ends only once it is gone too.
    reader = threading.Thread(target=running.wait, daemon=True)
    reader.start()
    reader.join(timeout=20)
    alive = _still_alive_after(helper_process, seconds=5)  # exit closes files first
    if alive:
        os.kill(helper_process, 9)  # do not leave it behind for the 10 minutes it sleeps
    assert not alive and not reader.is_alive()
    assert running.result.cancelled


def test_cancel_after_pip_exited_still_ends_a_helper_holding_the_output(tmp_path: Path) -> None:
    helper_pid = tmp_path / "helper.pid"
    script = (
        "import subprocess, sys\n"
        "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(helper_pid)!r}, 'w').write(str(helper.pid))\n"
        "print('done here', flush=True)\n"  # and exits 0, the helper still writing to us
    )
    running = stream(_command(script))
    assert next(running) == "done here"
    helper_process = int(helper_pid.read_text())
    reader = threading.Thread(target=running.wait, daemon=True)
    reader.start()
    time.sleep(0.2)  # the reader now waits on the pipe the helper holds open
    running.cancel()
    reader.join(timeout=20)
    alive = _still_alive_after(helper_process, seconds=5)  # exit closes files first
    if alive:
        os.kill(helper_process, 9)
    assert not alive and not reader.is_alive()


def test_a_helper_pip_leaves_holding_the_output_is_ended_after_a_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from takopi_core.plugins import install

    monkeypatch.setattr(install, "LEFTOVER_GRACE", 0.5)
    helper_pid = tmp_path / "helper.pid"
    script = (
        "import subprocess, sys\n"
        "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(helper_pid)!r}, 'w').write(str(helper.pid))\n"
        "print('Successfully installed demo-1.0', flush=True)\n"
    )
    running = stream(_command(script))
    reader = threading.Thread(target=running.wait, daemon=True)
    reader.start()
    reader.join(timeout=20)
    helper_process = int(helper_pid.read_text())
    alive = _still_alive_after(helper_process, seconds=5)
    if alive:
        os.kill(helper_process, 9)
    assert not alive and not reader.is_alive()
    result = running.result
    assert result.returncode == 0 and not result.cancelled and result.ok
    assert result.lines == ("Successfully installed demo-1.0",)
