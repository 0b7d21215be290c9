"""Where a run is: a progress bar over the epoch (or the download), an ETA line, a message."""

from __future__ import annotations

import time

from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.train.time_left import TimeLeftEstimator, describe_seconds_left
from nn.training import EpochResult


class ProgressPanel(QWidget):
    """``epochProgress`` bar and ``etaLabel`` ("epoch 3/30 · 42% · about 1 min left", or the
    download's or the pen-digit drawing's progress), then
    ``trainingMessage`` (how the run ended, or why it failed) with ``pickFolderButton``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressPanel")
        self.setAccessibleName("Training progress")
        self.setAccessibleDescription("Where the run is, the time left, and how it ended")
        self.setAutoFillBackground(True)  # opaque: an update does not repaint the window behind
        self.bar = QProgressBar()
        self.bar.setObjectName("epochProgress")
        self.bar.setToolTip("Position within the current epoch (or the download, or the drawing)")
        self.bar.setAccessibleName("Epoch progress")
        self.bar.setAccessibleDescription(self.bar.toolTip())
        self.bar.setTextVisible(False)  # the label says it, with the epoch and the time left
        # The labels' accessible names stay unset: a screen reader then reads their text.
        self.label = QLabel("Ready")
        self.label.setObjectName("etaLabel")
        self.label.setAccessibleDescription("The epoch, how far into it, and the time left")
        # A fixed size: a new text then repaints the label alone, without a relayout of the
        # window (which would repaint the plot too, 20 times a second, slowing training down).
        longest = "epoch 1000/1000 · 100% · about 55 min left"
        width = self.label.fontMetrics().horizontalAdvance(longest) + 8
        self.label.setFixedSize(width, self.label.sizeHint().height())
        self.message_label = QLabel()
        self.message_label.setObjectName("trainingMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleDescription("How the run ended, or why it failed")
        self.pick_folder_button = QPushButton("Choose a folder of IDX files…")
        self.pick_folder_button.setObjectName("pickFolderButton")
        tip = "Train on the four MNIST IDX files in a folder instead"
        self.pick_folder_button.setToolTip(tip)
        self.pick_folder_button.setAccessibleName("Choose a folder of IDX files")
        self.pick_folder_button.setAccessibleDescription(tip)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 0, 0)
        layout.addWidget(self.label, 0, 1, 1, 2)
        layout.addWidget(self.message_label, 1, 0, 1, 2)
        layout.addWidget(self.pick_folder_button, 1, 2)
        layout.setColumnStretch(0, 1)
        self.show_message("")
        self._time_left: TimeLeftEstimator | None = None
        self._paused = False
        self.bar.setValue(0)

    def __repr__(self) -> str:
        return f"ProgressPanel({self.label.text()!r})"

    def show_message(self, text: str, style: str = "", offer_folder: bool = False) -> None:
        """A line under the bar (hidden when empty), optionally with the folder button."""
        self.message_label.setText(text)
        self.message_label.setStyleSheet(style)
        self.message_label.setVisible(bool(text))
        self.pick_folder_button.setVisible(offer_folder)

    def show_busy(self, text: str) -> None:
        """An indeterminate bar, e.g. while the data loads (a run starts: not paused)."""
        self._paused = False
        self.bar.setRange(0, 0)
        self.label.setText(text)

    def show_download(self, done: int, total: int) -> None:
        """``done`` of ``total`` bytes downloaded (``total`` ≤ 0 when the server does not say)."""
        self.bar.setRange(0, max(total, 0))
        self.bar.setValue(min(done, total))
        size = f"{done / 1e6:.1f} / {total / 1e6:.1f} MB" if total > 0 else f"{done / 1e6:.1f} MB"
        self.label.setText(f"downloading MNIST · {size}")

    def show_rendering(self, done: int, total: int) -> None:
        """``done`` of ``total`` pen-digit images drawn, before training starts."""
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, total))
        self.label.setText(f"Drawing pen digits… {100 * done // max(total, 1)} %")

    def start_training(self, epochs: int) -> None:
        self._time_left = TimeLeftEstimator(epochs, time.monotonic())
        if self._paused:  # paused while the data was loading
            self._time_left.pause(time.monotonic())
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self._show_time_left()

    def show_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` samples of the current epoch."""
        if self._time_left is None:
            return
        self._time_left.update(done, total, time.monotonic())
        self.bar.setValue(round(1000 * self._time_left.fraction))
        self._show_time_left()

    def epoch_finished(self, result: EpochResult) -> None:
        if self._time_left is None:
            return
        self._time_left.finish_epoch(result.seconds, time.monotonic())
        self.bar.setValue(0)
        self._show_time_left()

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self._time_left is not None:
            (self._time_left.pause if paused else self._time_left.resume)(time.monotonic())
        self._show_time_left()

    def show_done(self, text: str, complete: bool) -> None:
        """The run ended: a full (or emptied) bar and ``text``."""
        self._time_left = None
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if complete else 0)
        self.label.setText(text)

    def _show_time_left(self) -> None:
        estimator = self._time_left
        if estimator is None:
            return
        epoch = min(estimator.epoch + 1, estimator.epochs)
        parts = [f"epoch {epoch}/{estimator.epochs}", f"{100 * estimator.fraction:.0f}%"]
        if self._paused:
            parts.append("paused")
        else:
            left = estimator.seconds_left(time.monotonic())
            parts.append("estimating…" if left is None else describe_seconds_left(left))
        self.label.setText(" · ".join(parts))
