"""Regression guard: PySide6 6.12.0 loses a reference to None in every call of a void method.

After enough calls (the canvas calls ``QPen.setWidth`` and ``QImage.fill`` on every stroke) the
count of None reaches zero and the process dies with ``Fatal Python error: none_dealloc``. On a
correct PySide6 the count stays put; on 6.12.0 it falls by one per call. (From Python 3.12 None
is immortal and its count never changes, so there only the version check guards.)
"""

from __future__ import annotations

import sys

import PySide6
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPen

CALLS = 100_000
MARGIN = 1_000  # other threads or caches may take or drop a few references meanwhile


def test_installed_pyside6_is_not_6_12_0():
    assert PySide6.__version__ != "6.12.0", "PySide6 6.12.0 crashes (none_dealloc); see pyproject"


@pytest.mark.parametrize(
    "name",
    ["QPen.setWidthF", "QPen.setWidth", "QPen.setCapStyle", "QPen.setJoinStyle", "QImage.fill"],
)
def test_void_methods_keep_the_reference_count_of_none(name):
    pen = QPen()
    image = QImage(4, 4, QImage.Format.Format_Grayscale8)
    call = {
        "QPen.setWidthF": lambda: pen.setWidthF(2.5),
        "QPen.setWidth": lambda: pen.setWidth(3),
        "QPen.setCapStyle": lambda: pen.setCapStyle(Qt.PenCapStyle.RoundCap),
        "QPen.setJoinStyle": lambda: pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin),
        "QImage.fill": lambda: image.fill(0),
    }[name]
    call()  # warm up caches before counting
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        call()
    after = sys.getrefcount(None)
    assert before - after < MARGIN, f"{name} dropped {before - after} references to None"
