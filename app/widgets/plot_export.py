"""Saving what a plot shows: the picture as a PNG, the figures behind it as a CSV file.

:func:`enable_export` gives a plot a right-click menu (also opened with the keyboard's menu key)
with "Export plot as PNG…" and, when the plot can list its figures, "Export figures as CSV…".
Actions added to the plot with ``QWidget.addAction`` follow in the same menu. The file dialog and
the error box are the module functions :func:`ask_save_path` and :func:`show_error`, which tests
replace. Files are written atomically: a temporary file beside the target, then ``os.replace``,
so a failed export never leaves a half-written file nor a stray temporary one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QIODevice, QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from nn.files import write_atomically

Table = Callable[[], tuple[list[str], list[list[object]]]]
"""Returns ``(header, rows)``: the column names and one list of values per row."""

PNG_FILTER = "PNG image (*.png)"
CSV_FILTER = "CSV table (*.csv)"


def ask_save_path(parent: QWidget, title: str, suggested: str, file_filter: str) -> str:
    """The path the user chose in a save dialog, or "" when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    return path


def show_error(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def enable_export(plot: pg.PlotWidget, table: Table | None = None, *, name: str) -> None:
    """Right-click menu on the plot with 'Export plot as PNG…' (pyqtgraph's ImageExporter) and,
    when table is given, 'Export figures as CSV…'; name is the default file stem.

    pyqtgraph's own menus (the view box's and the plot options') are turned off: they offer
    transforms (log axes, FFT) that would make the picture disagree with the figures."""
    plot.getPlotItem().setMenuEnabled(False)
    _PlotExporter(plot, table, name)


class _PlotExporter(QObject):
    """The export menu of one plot, a child of the plot so that it lives as long as the plot."""

    def __init__(self, plot: pg.PlotWidget, table: Table | None, name: str) -> None:
        super().__init__(plot)
        self.setObjectName("plotExporter")
        self._plot, self._table, self._name = plot, table, name
        self._folder = Path.home()
        self.menu = QMenu(plot)
        self.menu.setObjectName("plotExportMenu")
        self.menu.setAccessibleName("Plot menu")
        self.png_action = QAction("Export plot as PNG…", self)
        self.png_action.triggered.connect(self.export_png)
        self.png_action.setObjectName("exportPngAction")
        self.png_action.setToolTip("Save the plot as it is shown, as a PNG image")
        self.csv_action = None
        if table is not None:
            self.csv_action = QAction("Export figures as CSV…", self)
            self.csv_action.triggered.connect(self.export_csv)
            self.csv_action.setObjectName("exportCsvAction")
            self.csv_action.setToolTip("Save the numbers behind the plot as a CSV table")
        plot.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        plot.customContextMenuRequested.connect(self._show_menu)

    def _show_menu(self, position: QPoint) -> None:
        self.menu.clear()  # the actions belong to this object, not to the menu: they stay
        self.menu.addAction(self.png_action)
        if self.csv_action is not None:
            self.menu.addAction(self.csv_action)
        extra = self._plot.actions()
        if extra:
            self.menu.addSeparator()
            self.menu.addActions(extra)
        self.menu.popup(self._plot.mapToGlobal(position))

    def export_png(self) -> None:
        self._export("PNG", ".png", PNG_FILTER, lambda path: save_png(self._plot, path))

    def export_csv(self) -> None:
        if self._table is None:
            return
        header, rows = self._table()
        self._export("CSV", ".csv", CSV_FILTER, lambda path: write_csv(path, header, rows))

    def _export(self, kind: str, suffix: str, file_filter: str, write: Callable) -> None:
        chosen = ask_save_path(
            self._plot, f"Export {kind}", str(self._folder / f"{self._name}{suffix}"), file_filter
        )
        if not chosen:
            return
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(suffix)
        try:
            write(path)
        except (OSError, ValueError) as error:
            show_error(
                self._plot,
                f"Could not export the {kind}",
                f"{path.name} was not written.\n\n{error}\n\nTry another folder or name.",
            )
            return
        self._folder = path.parent


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """Write ``header`` then ``rows`` as UTF-8 CSV to ``path``, atomically (a temporary file
    beside it, then ``os.replace``). Floats are written with ``repr``, so they read back equal.
    An OSError names the file and the reason."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    _write_atomically(Path(path), text.getvalue().encode("utf-8"))


def save_png(plot: pg.PlotWidget, path: Path) -> None:
    """Write the plot as shown (its own width and height in pixels, its background) as a PNG
    to ``path``, atomically. ValueError when the plot has no size yet (never shown); OSError
    when the file cannot be written."""
    item = plot.getPlotItem()
    if item.sceneBoundingRect().isEmpty():
        raise ValueError("the plot has not been shown yet, so it has no size")
    exporter = pyqtgraph.exporters.ImageExporter(item)
    exporter.parameters()["width"] = round(item.sceneBoundingRect().width())
    image = exporter.export(toBytes=True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("the image could not be encoded as PNG")
    _write_atomically(Path(path), bytes(buffer.data()))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with :func:`nn.files.write_atomically` (a failed write leaves
    the previous file); an OSError names ``path``."""
    try:
        write_atomically(path, lambda file: file.write(data))
    except OSError as error:
        raise OSError(f"cannot write {path}: {error.strerror or error}") from error
