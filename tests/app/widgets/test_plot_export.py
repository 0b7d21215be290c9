"""Exporting a plot: the right-click menu, the PNG, the CSV, and errors that never crash."""

from __future__ import annotations

import csv
import errno
import os
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage

from app.widgets.plot_export import enable_export, save_png, write_csv
from tests.app.conftest import OFFSCREEN_POPUPS, choose, open_plot_menu


@pytest.fixture
def plot(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.plot([0, 1, 2], [3.0, 1.5, 2.25])
    widget.resize(420, 260)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def out(tmp_path) -> Path:
    """An empty folder to export into."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


TABLE = (["name", "value", "note"], [["a, b", 0.1, 'say "hi"'], ["η", 1 / 3, ""], ["c", 7, "x"]])


def test_write_csv_reads_back_exactly(out):
    path = out / "figures.csv"
    header, rows = TABLE
    write_csv(path, header, rows)
    with path.open(newline="", encoding="utf-8") as file:
        read = list(csv.reader(file))
    assert read[0] == header
    assert [r[0] for r in read[1:]] == ["a, b", "η", "c"]
    assert [float(r[1]) for r in read[1:]] == [0.1, 1 / 3, 7.0]  # floats round-trip exactly
    assert [r[2] for r in read[1:]] == ['say "hi"', "", "x"]
    assert os.listdir(out) == ["figures.csv"]


def test_write_csv_into_a_missing_folder_names_it(out):
    with pytest.raises(OSError, match="missing"):
        write_csv(out / "missing" / "figures.csv", ["a"], [[1]])


def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(out, monkeypatch):
    path = out / "figures.csv"
    path.write_text("old", encoding="utf-8")

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # wherever the write flushes to disk
    with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
        write_csv(path, ["a"], [[1]])
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(out) == ["figures.csv"]


def test_save_png_writes_the_plot_at_its_size(plot, out):
    path = out / "plot.png"
    save_png(plot, path)
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (plot.width(), plot.height())
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@OFFSCREEN_POPUPS
def test_the_menu_exports_png_and_csv(qtbot, plot, out, dialogs):
    enable_export(plot, lambda: TABLE, name="my-plot")
    menu = open_plot_menu(qtbot, plot)
    assert [a.text() for a in menu.actions()] == ["Export plot as PNG…", "Export figures as CSV…"]
    dialogs.answer = str(out / "picture")  # no suffix typed: .png is added
    choose(qtbot, menu, "Export plot as PNG…")
    assert Path(dialogs.suggested[-1]).name == "my-plot.png"
    assert not QImage(str(out / "picture.png")).isNull()
    dialogs.answer = str(out / "figures.csv")
    choose(qtbot, open_plot_menu(qtbot, plot), "Export figures as CSV…")
    with (out / "figures.csv").open(newline="", encoding="utf-8") as file:
        assert next(csv.reader(file)) == TABLE[0]
    # the next suggestion is in the folder last exported to
    choose(qtbot, open_plot_menu(qtbot, plot), "Export plot as PNG…")
    assert Path(dialogs.suggested[-1]) == out / "my-plot.png"
    assert dialogs.errors == []


@OFFSCREEN_POPUPS
def test_without_a_table_only_png_is_offered_and_added_actions_follow(qtbot, plot):
    enable_export(plot, name="chart")
    extra = pg.QtGui.QAction("Reset view", plot)
    plot.addAction(extra)
    menu = open_plot_menu(qtbot, plot)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Export plot as PNG…",
        "Reset view",
    ]
    menu.close()


@OFFSCREEN_POPUPS
def test_a_cancelled_dialog_writes_nothing(qtbot, plot, out, dialogs, monkeypatch):
    monkeypatch.chdir(out)
    enable_export(plot, lambda: TABLE, name="chart")
    dialogs.answer = ""
    choose(qtbot, open_plot_menu(qtbot, plot), "Export figures as CSV…")
    assert os.listdir(out) == [] and dialogs.errors == []


@OFFSCREEN_POPUPS
def test_an_unwritable_folder_shows_the_reason_and_leaves_nothing(qtbot, plot, out, dialogs):
    enable_export(plot, lambda: TABLE, name="chart")
    blocked = out / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    dialogs.answer = str(blocked / "figures.csv")
    choose(qtbot, open_plot_menu(qtbot, plot), "Export figures as CSV…")
    [(title, text)] = dialogs.errors
    assert title == "Could not export the CSV"
    assert "figures.csv was not written" in text and os.strerror(errno.ENOTDIR) in text
    dialogs.answer = str(out / "missing" / "plot.png")
    choose(qtbot, open_plot_menu(qtbot, plot), "Export plot as PNG…")
    assert dialogs.errors[-1][0] == "Could not export the PNG"
    assert os.listdir(out) == ["a-file"]


def test_the_exported_png_shows_the_plot(plot, out):
    """The PNG's pixels are the plot's: the same picture as a grab of the widget, give or take
    antialiasing (compared as mean colour difference)."""
    save_png(plot, out / "plot.png")
    exported = _pixels(QImage(str(out / "plot.png")))
    grabbed = _pixels(plot.grab().toImage())
    assert exported.shape == grabbed.shape
    assert np.abs(exported.astype(int) - grabbed.astype(int)).mean() < 8


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = data.reshape(height, image.bytesPerLine())[:, : 3 * width]
    return rows.reshape(height, width, 3).copy()  # a copy: the converted image is freed on return
