"""Robustness curves: accuracy on the test set as the images are made noisier, rotated, made
bolder or thinner, and shifted; one small plot for each, in its own units."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.widgets.plotting import style_plot, text_colour
from nn.insight.robustness import PERTURBATIONS

try:  # the right-click export menu, where the app has it
    from app.widgets.plot_export import enable_export
except ImportError:  # pragma: no cover
    enable_export = None

Curve = list[tuple[float, float]]
"""(level, accuracy as a fraction) points, level 0 = the images as they are."""

KINDS = {
    "noise": ("Noise", "noise std (1 = black to white)"),
    "rotation": ("Rotation", "degrees"),
    "thickness": ("Stroke thickness", "pixels thinner (−) or bolder (+)"),
    "shift": ("Shift", "pixels"),
}
"""Curve name → (plot title, what its levels measure)."""
NO_CURVES = "Measured after each evaluation."


def _what_it_does(name: str) -> str:
    perturbation = PERTURBATIONS.get(name)
    return perturbation.description if perturbation is not None else name


def describe_curve(name: str, curve: Curve) -> str:
    """A curve in words: accuracy on the images as they are, and at the level where it is
    lowest."""
    title, unit = KINDS.get(name, (name, "level"))
    if not curve:
        return f"{title}: not measured"
    plain = next((y for x, y in curve if x == 0), curve[0][1])
    level, worst = min(curve, key=lambda point: point[1])
    return (
        f"{title}: accuracy {100 * plain:.1f} % as they are, lowest {100 * worst:.1f} % "
        f"at {level:g} {unit}"
    )


class RobustnessPlots(QWidget):
    """A 2x2 grid of plots, accuracy (%) against each perturbation's level."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("robustnessPlots")
        self.setAccessibleName("Robustness curves")
        self._curves: dict[str, Curve] = {}
        self._drawn: dict[str, Curve] = {}  # the finite points each line holds, sorted
        self.plots: dict[str, pg.PlotWidget] = {}
        self._lines: dict[str, pg.PlotDataItem] = {}
        grid = QGridLayout()
        for position, (name, (title, unit)) in enumerate(KINDS.items()):
            plot = self._make_plot(name, title, unit)
            grid.addWidget(plot, position // 2, position % 2)
        self.note = QLabel(NO_CURVES, self)
        self.note.setObjectName("robustnessNote")
        self.note.setToolTip("What the robustness curves measure")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(grid, 1)
        layout.addWidget(self.note)
        self.set_curves(None)

    def _make_plot(self, name: str, title: str, unit: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(self)
        plot.setObjectName(f"robustnessPlot_{name}")
        plot.setAccessibleName(f"Accuracy against {title.lower()}")
        plot.setToolTip(
            f"Accuracy on test images {_what_it_does(name)}; level 0 is the images as they are. "
            "Right-click to export."
        )
        plot.setMinimumSize(200, 150)
        item = plot.getPlotItem()
        item.setTitle(title, size="10pt")
        item.setLabel("bottom", unit)
        item.setLabel("left", "accuracy (%)")
        item.setYRange(0, 100, padding=0.05)
        item.getAxis("left").setTicks([[(v, str(v)) for v in range(0, 101, 20)]])
        item.getAxis("bottom").enableAutoSIPrefix(False)  # 0.1, not "100 (x0.001)"
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.2)
        line = item.plot([], [], symbol="o", symbolSize=5)
        self.plots[name], self._lines[name] = plot, line

        def restyle(palette: QPalette, line: pg.PlotDataItem = line) -> None:
            colour = palette.color(QPalette.ColorRole.Highlight)
            line.setPen(pg.mkPen(colour, width=2))
            line.setSymbolBrush(QBrush(colour))
            line.setSymbolPen(pg.mkPen(text_colour(palette), width=0.5))

        style_plot(plot, restyle)
        if enable_export is not None:
            enable_export(plot, lambda name=name: self.table(name), name=f"robustness-{name}")
        return plot

    def set_curves(self, curves: dict[str, Curve] | None, note: str = "") -> None:
        """Draw ``curves`` ({name: [(level, accuracy fraction)]}); None clears the plots and
        shows ``note`` (or the default hint)."""
        self._curves = {name: list(points) for name, points in (curves or {}).items()}
        for name in self._lines:
            points = [(float(x), float(y)) for x, y in self._curves.get(name, [])]
            points = sorted((x, y) for x, y in points if math.isfinite(x) and math.isfinite(y))
            if points != self._drawn.get(name):  # an unchanged plot is not redrawn
                self._draw(name, points)
            self.plots[name].setAccessibleDescription(
                describe_curve(name, self._curves.get(name, []))
            )
        self.note.setText(note or (NO_CURVES if curves is None else ""))
        self.note.setVisible(bool(self.note.text()))
        self.setAccessibleDescription(
            "; ".join(describe_curve(name, self._curves.get(name, [])) for name in KINDS)
        )

    def _draw(self, name: str, points: Curve) -> None:
        self._lines[name].setData([x for x, _ in points], [100 * y for _, y in points])
        if points:
            self.plots[name].getPlotItem().setXRange(points[0][0], points[-1][0], padding=0.06)
        self._drawn[name] = points

    def curves(self) -> dict[str, Curve]:
        """A copy of the curves shown."""
        return {name: list(points) for name, points in self._curves.items()}

    def table(self, name: str) -> tuple[list[str], list[list[object]]]:
        """The figures behind one plot: level and accuracy (fraction)."""
        unit = KINDS.get(name, (name, "level"))[1]
        return [f"{name} ({unit})", "accuracy"], [
            [float(x), float(y)] for x, y in self._curves.get(name, [])
        ]
