"""The map of the test set: every test image a point in 2-D, placed by what the network's last
hidden layer makes of it, coloured by its true digit; mistakes are crosses.

The points are twenty ScatterPlotItems (right answers and mistakes of each digit, so each item
has one brush and pyqtgraph draws it from one cached symbol) filled once per evaluation from
arrays. The view's automatic range is off: :meth:`TestSetMap.set_map` sets the range once from
the points' extent, so no item's bounds are recomputed as the others are added. Filling all
twenty items takes about 6 ms of the GUI thread on an idle machine, several times that while an
evaluation's worker shares the CPUs, so the Evaluate tab fills one digit per turn of the event
loop (``set_map(..., fill=False)`` then :meth:`TestSetMap.fill_digit`). Hovering finds the
nearest point with one NumPy distance computation, so moving the mouse over 10,000 points costs
well under a millisecond. The sketch being drawn is one more item, moved by
:meth:`TestSetMap.set_sketch_position` without touching the others.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QPalette, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.evaluate.colours import digit_colours
from app.widgets.digit_thumbnails import digit_image
from app.widgets.plotting import background_colour, style_plot, text_colour

try:  # the right-click export menu, where the app has it
    from app.widgets.plot_export import enable_export
except ImportError:  # pragma: no cover
    enable_export = None

DIGITS = 10
POINT_SIZE = 5
MISTAKE_SIZE = 9
SKETCH_SIZE = 22
HOVER_PIXELS = 8  # how near (screen pixels) the mouse must be to a point to show it
NEIGHBOURS = 15  # test images around the sketch that say which digits it lies among
PADDING = 0.03  # margin around the points, as a fraction of their extent
NO_MAP = "No evaluation yet: press Evaluate to place the test images on the map."


def nearest_point(positions: np.ndarray, x: float, y: float, pixel: tuple[float, float]) -> int:
    """Index of the point of ``positions`` (n, 2) nearest to (x, y) measured in screen pixels
    (``pixel`` = the data size of one pixel along x and y), or -1 if none is within
    :data:`HOVER_PIXELS`."""
    if len(positions) == 0 or not (pixel[0] > 0 and pixel[1] > 0):
        return -1
    dx = (positions[:, 0] - x) / pixel[0]
    dy = (positions[:, 1] - y) / pixel[1]
    distance = dx * dx + dy * dy
    best = int(np.argmin(distance))
    return best if distance[best] <= HOVER_PIXELS**2 else -1


def neighbourhood(positions: np.ndarray, labels: np.ndarray, xy: np.ndarray) -> str:
    """Which digits the test images nearest to ``xy`` are, in words: "among the 7s" or "between
    the 4s and the 9s"."""
    distance = np.sum((positions - np.asarray(xy)) ** 2, axis=1)
    nearest = labels[np.argsort(distance)[:NEIGHBOURS]]
    counts = np.bincount(nearest, minlength=DIGITS)
    first, second = np.argsort(-counts, kind="stable")[:2]
    if counts[second] * 3 >= counts[first]:
        return f"between the {first}s and the {second}s"
    return f"among the {first}s"


class TestSetMap(QWidget):
    """The plot and a line under it describing the point under the mouse.

    ``digit_chosen(test_index)`` when a point is clicked.
    """

    digit_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("testSetMapPanel")
        self._positions = np.zeros((0, 2))
        self._labels = np.zeros(0, np.int64)
        self._answers = np.zeros(0, np.int64)
        self._images: np.ndarray | None = None
        self._sketch: np.ndarray | None = None
        self._base_description = NO_MAP
        self.plot = pg.PlotWidget(self)
        self.plot.setObjectName("testSetMap")
        self.plot.setAccessibleName("Map of the test set")
        self.plot.setToolTip(
            "Each point is a test image, placed by what the network's last hidden layer makes of "
            "it (its two main directions), coloured by its true digit; crosses are mistakes, the "
            "star is the digit being drawn in the Draw tab. Hover for the image, click to see "
            "its outputs; drag to pan, wheel to zoom."
        )
        self.plot.setMinimumSize(280, 240)
        self._correct = [pg.ScatterPlotItem(size=POINT_SIZE, pen=None) for _ in range(DIGITS)]
        self._mistakes = [pg.ScatterPlotItem(size=MISTAKE_SIZE, symbol="x") for _ in range(DIGITS)]
        self._sketch_item = pg.ScatterPlotItem(size=SKETCH_SIZE, symbol="star")
        item = self.plot.getPlotItem()
        for scatter in (*self._correct, *self._mistakes, self._sketch_item):
            item.addItem(scatter)
        item.getViewBox().disableAutoRange()  # set once per map by _fit_view
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.hideButtons()
        self._legend = pg.LegendItem(offset=(-8, 8), colCount=2)
        self._legend.setParentItem(item.getViewBox())
        self._samples = self._legend_samples()
        self.hover_image = QLabel(self)
        self.hover_image.setObjectName("mapHoverImage")
        self.hover_image.setAccessibleName("Test image under the mouse")
        self.hover_image.setToolTip("The test image under the mouse on the map")
        self.hover_image.setFixedSize(56, 56)
        self.hover_label = QLabel(NO_MAP, self)
        self.hover_label.setObjectName("mapHoverLabel")
        self.hover_label.setAccessibleName("Point under the mouse")
        self.hover_label.setToolTip("The true digit and the answer of the point under the mouse")
        self.hover_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.hover_image)
        row.addWidget(self.hover_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        style_plot(self.plot, self._restyle)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        if enable_export is not None:
            enable_export(self.plot, self.table, name="test-set-map")
        self._describe()

    # -- public API -------------------------------------------------------------------------
    def set_map(
        self,
        positions: np.ndarray | None,
        labels: np.ndarray | None = None,
        answers: np.ndarray | None = None,
        images: np.ndarray | None = None,
        *,
        fill: bool = True,
    ) -> None:
        """Place the test images: ``positions`` (n, 2), true ``labels`` and ``answers`` (n,),
        ``images`` (n, 784) for hovering; None clears the map. Done once per evaluation. With
        ``fill=False`` the view is set up and emptied but the points are drawn only as
        :meth:`fill_digit` is called for each digit."""
        if positions is None or labels is None or answers is None:
            positions, labels, answers = (
                np.zeros((0, 2)),
                np.zeros(0, np.int64),
                np.zeros(0, np.int64),
            )
        self._positions = np.asarray(positions, dtype=float).reshape(-1, 2)
        self._labels = np.asarray(labels, dtype=np.int64)
        self._answers = np.asarray(answers, dtype=np.int64)
        self._images = images
        self._sketch = None
        if len(self._sketch_item.data):
            self._sketch_item.setData([], [])
        self._fit_view()
        self._stack_by_spread()
        for digit in range(DIGITS):
            if fill and len(self._positions):
                self.fill_digit(digit)
            else:
                self._empty_digit(digit)
        wrong = int(np.count_nonzero(self._labels != self._answers))
        self._base_description = (
            f"{len(self._labels):,} test images placed by the network's last hidden layer, "
            f"coloured by true digit; {wrong:,} mistakes marked with crosses"
            if len(self._labels)
            else NO_MAP
        )
        self._show_hover(-1)
        self._describe()

    def _stack_by_spread(self) -> None:
        """Draw the widest clouds first and the tightest on top, so a compact digit (the 1s
        sit in a small patch the 7s and 9s would cover) stays visible; mistakes and the star
        above every cloud."""
        spreads = []
        for digit in range(DIGITS):
            points = self._positions[self._labels == digit]
            spreads.append(float(np.prod(points.std(axis=0))) if len(points) > 1 else 0.0)
        for rank, digit in enumerate(np.argsort(spreads)[::-1]):
            self._correct[digit].setZValue(rank)
        for mistakes in self._mistakes:
            mistakes.setZValue(DIGITS)
        self._sketch_item.setZValue(DIGITS + 1)

    def stacking(self) -> list[int]:
        """The digits from the bottom of the stack of clouds to the top."""
        return sorted(range(DIGITS), key=lambda digit: self._correct[digit].zValue())

    def set_sketch_position(self, xy: np.ndarray | None) -> None:
        """Move the star marking the sketch to ``xy`` (2,), or hide it for None. Cheap: one
        point, nothing else redrawn."""
        if xy is None or len(self._positions) == 0:
            self._sketch = None
            self._sketch_item.setData([], [])
        else:
            self._sketch = np.asarray(xy, dtype=float).reshape(2)
            self._sketch_item.setData([self._sketch[0]], [self._sketch[1]])
        self._describe()

    def sketch_position(self) -> np.ndarray | None:
        """Where the star is, (2,), or None when hidden."""
        return None if self._sketch is None else self._sketch.copy()

    @property
    def filled(self) -> bool:
        """True once every point of the last :meth:`set_map` is on the plot."""
        return sum(self.point_count()) == len(self._positions)

    def fill_digit(self, digit: int) -> None:
        """Draw the points of true digit ``digit`` (0–9): its right answers and its mistakes,
        one brush each (no per-point styles, so pyqtgraph draws each item from one cached
        symbol)."""
        palette = self.plot.palette()
        colour = QBrush(digit_colours(palette)[digit])
        pen = pg.mkPen(text_colour(palette), width=0.8)
        mine = self._labels == digit
        right = self._labels == self._answers
        for items, mask in ((self._correct, mine & right), (self._mistakes, mine & ~right)):
            items[digit].setData(
                x=self._positions[mask, 0],
                y=self._positions[mask, 1],
                brush=colour,
                pen=pen if items is self._mistakes else None,
            )

    def point_count(self) -> tuple[int, int]:
        """(right answers, mistakes) drawn."""
        return (
            sum(len(item.data) for item in self._correct),
            sum(len(item.data) for item in self._mistakes),
        )

    def scene_position(self, test_index: int) -> QPoint:
        """Where a test image's point is, in the plot widget's pixels (for tests and tools)."""
        x, y = self._positions[test_index]
        view = self.plot.getPlotItem().getViewBox()
        return self.plot.mapFromScene(view.mapViewToScene(QPointF(float(x), float(y))))

    def table(self) -> tuple[list[str], list[list[object]]]:
        """The figures behind the map: one row per test image."""
        header = ["test image", "x", "y", "true digit", "answer"]
        rows = [
            [i, float(x), float(y), int(t), int(a)]
            for i, ((x, y), t, a) in enumerate(zip(self._positions, self._labels, self._answers))
        ]
        return header, rows

    # -- drawing ----------------------------------------------------------------------------
    def _fit_view(self) -> None:
        """Show all the points: the range is the points' extent plus :data:`PADDING`."""
        if not len(self._positions):
            return
        low, high = self._positions.min(axis=0), self._positions.max(axis=0)
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            return
        self.plot.getPlotItem().getViewBox().setRange(
            xRange=(low[0], high[0]), yRange=(low[1], high[1]), padding=PADDING
        )

    def _empty_digit(self, digit: int) -> None:
        for item in (self._correct[digit], self._mistakes[digit]):
            if len(item.data):
                item.clear()

    def _legend_samples(self) -> list[pg.ScatterPlotItem]:
        samples = [pg.ScatterPlotItem(symbol="o", size=8, pen=None) for _ in range(DIGITS)]
        samples.append(pg.ScatterPlotItem(symbol="x", size=10))
        samples.append(pg.ScatterPlotItem(symbol="star", size=14))
        for digit in range(DIGITS):
            self._legend.addItem(samples[digit], str(digit))
        self._legend.addItem(samples[DIGITS], "mistake")
        self._legend.addItem(samples[DIGITS + 1], "your sketch")
        return samples

    def _restyle(self, palette: QPalette) -> None:
        text = text_colour(palette)
        colours = digit_colours(palette)
        for digit, sample in enumerate(self._samples[:DIGITS]):
            sample.setBrush(QBrush(colours[digit]))
        grey = QBrush(palette.color(QPalette.ColorRole.Mid))
        self._samples[DIGITS].setBrush(grey)
        self._samples[DIGITS].setPen(pg.mkPen(text, width=0.8))
        self._samples[DIGITS + 1].setBrush(QBrush(palette.color(QPalette.ColorRole.Highlight)))
        self._samples[DIGITS + 1].setPen(pg.mkPen(text, width=1.5))
        self._sketch_item.setBrush(QBrush(palette.color(QPalette.ColorRole.Highlight)))
        self._sketch_item.setPen(pg.mkPen(text, width=1.5))
        background = background_colour(palette)
        background.setAlpha(200)
        self._legend.setBrush(QBrush(background))
        self._legend.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
        self._legend.setLabelTextColor(text)
        for digit in range(DIGITS):
            if len(self._correct[digit].data) or len(self._mistakes[digit].data):
                self.fill_digit(digit)  # again, in the new palette's colours

    def _describe(self) -> None:
        text = self._base_description
        if self._sketch is not None:
            text += (
                f"; your sketch lies {neighbourhood(self._positions, self._labels, self._sketch)}"
            )
        self.plot.setAccessibleDescription(text)

    # -- mouse ------------------------------------------------------------------------------
    def _point_at(self, scene_pos: QPointF) -> int:
        view = self.plot.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return -1
        point = view.mapSceneToView(scene_pos)
        pixel = view.viewPixelSize()
        return nearest_point(self._positions, point.x(), point.y(), pixel)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        self._show_hover(self._point_at(scene_pos))

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self._point_at(event.scenePos())
        if index >= 0:
            self.digit_chosen.emit(index)

    def _show_hover(self, index: int) -> None:
        if index < 0 or self._images is None:
            self.hover_image.clear()
            self.hover_label.setText(
                "Hover over a point to see its image; click it to see its outputs."
                if len(self._positions)
                else NO_MAP
            )
            return
        label, answer = int(self._labels[index]), int(self._answers[index])
        self.hover_image.setPixmap(QPixmap.fromImage(digit_image(self._images[index], 2)))
        verdict = "right" if label == answer else "wrong"
        text = f"Test image {index:,}: a {label}, read as {answer} ({verdict})"
        self.hover_label.setText(text)
        self.hover_image.setAccessibleDescription(text)
