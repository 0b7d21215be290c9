"""What teaching did: accuracy before and after on the held-back part of the user's digits and on
the MNIST test set, whether the adapted model is in use, and the buttons to change that."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.widgets.controls import described_button

FORGETFUL_POINTS = 0.3
"""The largest fall of MNIST accuracy, in percentage points, that teaching may cost before the
adapted model is kept out of use unless the user insists."""


def percent(fraction: float | None) -> str:
    """0.9512 → "95.1 %"; None → "—" (not measured)."""
    return "—" if fraction is None else f"{100 * fraction:.1f} %"


def points(drop: float | None) -> str:
    """A fall in percentage points in words: 1.23 → "fell 1.2 points", -0.4 → "rose 0.4 points"."""
    if drop is None:
        return "not measured"
    verb = "fell" if drop > 0 else "rose"
    return f"{verb} {abs(drop):.1f} points" if abs(drop) >= 0.05 else "did not change"


class TeachResult(QGroupBox):
    """The before/after table, a verdict and two buttons: ``use_anyway`` (put the adapted model in
    use although MNIST fell too far) and ``back_to_base`` (the model in use before teaching)."""

    use_anyway = Signal()
    back_to_base = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Before and after teaching", parent)
        self.setObjectName("teachResult")
        self.cells: dict[tuple[str, str], QLabel] = {}
        grid = QGridLayout()
        for column, heading in enumerate(("", "before", "after"), start=0):
            label = QLabel(f"<b>{heading}</b>" if heading else "", self)
            label.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(label, 0, column)
        self.row_names: dict[str, QLabel] = {}
        for row, key in enumerate(("personal", "mnist"), start=1):
            name = QLabel(self)
            self.row_names[key] = name
            grid.addWidget(name, row, 0)
            for column, when in enumerate(("before", "after"), start=1):
                cell = QLabel("—", self)
                cell.setObjectName(f"{key}{when.title()}")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
                self.cells[(key, when)] = cell
                grid.addWidget(cell, row, column)
        grid.setColumnStretch(0, 1)
        self.verdict = QLabel(self)
        self.verdict.setObjectName("teachVerdict")
        self.verdict.setWordWrap(True)
        self.use_button = self._button(
            "&Use it anyway",
            "useAnywayButton",
            "Put the adapted model in use although it forgot some MNIST digits",
        )
        self.back_button = self._button(
            "&Back to the base model",
            "backToBaseButton",
            "Put back the model that was in use before teaching",
        )
        self.use_button.clicked.connect(self.use_anyway)
        self.back_button.clicked.connect(self.back_to_base)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.verdict)
        layout.addLayout(buttons)
        self.clear()

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        return described_button(QPushButton(text, self), name, tip)

    def clear(self) -> None:
        """Nothing taught yet."""
        self.row_names["personal"].setText("Your held-back digits")
        self.row_names["mnist"].setText("MNIST test set")
        for cell in self.cells.values():
            cell.setText("—")
        self.verdict.setText("Teach to see how the model reads your digits before and after.")
        self._describe()
        self.use_button.hide()
        self.back_button.setEnabled(False)

    def show_report(self, report, *, in_use: bool) -> None:
        """Show ``report`` (an :class:`nn.personal.adapt.AdaptReport`); ``in_use`` says whether
        the adapted model was put in use."""
        held_back = int(report.held_back or 0)
        self.row_names["personal"].setText(
            f"Your held-back digits ({held_back})"
            if report.personal_before is not None
            else "Your held-back digits (none: give a digit twice to hold one back)"
        )
        self.cells[("personal", "before")].setText(percent(report.personal_before))
        self.cells[("personal", "after")].setText(percent(report.personal_after))
        self.cells[("mnist", "before")].setText(percent(report.mnist_before))
        self.cells[("mnist", "after")].setText(percent(report.mnist_after))
        self.show_verdict(report, in_use=in_use)

    def show_verdict(self, report, *, in_use: bool) -> None:
        """Say whether the adapted model is in use, and offer the buttons that change it."""
        drop = report.mnist_drop_points
        forgetful = report.too_forgetful(FORGETFUL_POINTS)
        taught = (
            f"Taught on {int(report.examples)} of your digits in {report.seconds:.1f} s"
            f"{report.remembering()}. "
        )
        if in_use:
            text = taught + f"The adapted model is in use; MNIST accuracy {points(drop)}."
        elif forgetful:
            text = taught + (
                f"MNIST accuracy {points(drop)}, more than {FORGETFUL_POINTS} points: the model "
                "in use is unchanged. Use it anyway if your own digits matter more."
            )
        else:
            text = taught + "The model in use is the base model."
        self.verdict.setText(text)
        self._describe()
        self.use_button.setVisible(not in_use and forgetful)
        self.back_button.setEnabled(in_use)

    def _describe(self) -> None:
        rows = []
        for key, name in self.row_names.items():
            before, after = self.cells[(key, "before")].text(), self.cells[(key, "after")].text()
            rows.append(f"{name.text()}: {before} before, {after} after")
        self.setAccessibleDescription("; ".join(rows) + ". " + self.verdict.text())
