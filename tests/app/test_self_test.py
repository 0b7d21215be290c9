"""The self-test (``python -m app --self-test``, also run by the frozen executable in CI)."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

import app.self_test as self_test
from app.__main__ import create_application
from app.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

PROJECT = Path(__file__).resolve().parents[2]
OK_LINE = re.compile(
    r"self-test ok: window \d+\.\d\d s, predict \d+\.\d ms, epoch \d+\.\d\d s, "
    r"save\+load \d+\.\d\d s"
)


def run(capsys) -> tuple[int, str, str]:
    code = self_test.run_self_test([], create_application, time.monotonic())
    out, err = capsys.readouterr()
    return code, out, err


def test_passes_and_prints_one_line_of_timings(qapp, capsys):
    code, out, err = run(capsys)
    assert code == 0, err
    assert OK_LINE.fullmatch(out.strip())
    assert out.count("\n") == 1


def test_a_wrong_reading_fails_naming_the_step(qapp, capsys, monkeypatch):
    monkeypatch.setattr(self_test, "EXPECTED_DIGIT", 3)
    code, out, err = run(capsys)
    assert code == 1
    assert out == ""
    assert err.startswith(
        "self-test FAILED at draw a 7 and predict: RuntimeError: read the drawn 3"
    )


def test_a_damaged_default_model_fails_saying_why(qapp, capsys, monkeypatch, tmp_path):
    damaged = tmp_path / "default-model.npz"
    damaged.write_bytes((PROJECT / "resources/default-model.npz").read_bytes()[:5000])
    monkeypatch.setattr(
        self_test, "MainWindow", functools.partial(MainWindow, default_model=damaged)
    )
    code, _, err = run(capsys)
    assert code == 1
    assert "FAILED at load the default model" in err
    assert "The default model default-model.npz could not be read: a damaged" in err


def test_an_exception_in_a_qt_callback_fails_the_step(qapp, capsys, monkeypatch):
    monkeypatch.setattr(self_test.SelfTest, "draw_and_predict", _raise_in_slot)
    code, _, err = run(capsys)
    assert code == 1
    assert "FAILED at draw a 7 and predict: exception in a Qt callback: ValueError: boom" in err


def _raise_in_slot(test) -> float:
    """Click a button whose slot raises, as a broken widget would during the step."""
    button = QPushButton("broken", test.window)

    def broken() -> None:
        raise ValueError("boom")

    button.clicked.connect(broken)
    button.click()
    return 0.0


@pytest.mark.skipif(sys.platform != "linux", reason="the start is read from /proc on Linux only")
def test_the_process_start_lies_between_its_launch_and_its_first_line():
    code = (
        "import time; first_line = time.monotonic()\n"
        "from app.self_test import process_started_at\n"
        "print(first_line, process_started_at(first_line))\n"
    )
    launched = time.monotonic()  # the system-wide monotonic clock, shared with the child
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    first_line, started = map(float, result.stdout.split())
    tick = 1 / os.sysconf("SC_CLK_TCK")  # /proc gives the start in whole clock ticks
    assert launched - tick <= started < first_line  # earlier than the fallback: read from /proc


def test_without_proc_the_fallback_is_the_start(monkeypatch):
    def unreadable(*args, **kwargs):
        raise FileNotFoundError("no /proc here")

    monkeypatch.setattr(self_test, "open", unreadable, raising=False)
    assert self_test.process_started_at(12.5) == 12.5


def test_runs_from_the_command_line():
    """The entry point that the frozen executable shares: ``python -m app --self-test``."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert OK_LINE.fullmatch(result.stdout.strip())
