"""The network view: every hidden layer's activations as a grid of cells, the strongest
connections into the answer, and what a clicked unit responds to.

Each layer is one small image (one pixel per unit, e.g. 800 units → 20x40) painted enlarged, so
a change of the sketch costs one colour lookup per layer, not a repaint of a thousand widgets.
The maths is :mod:`nn.insight.inside`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.draw.pixel_image import (
    PixelImage,
    diverging_colours,
    diverging_table,
    level_colours,
    level_table,
    new_rgb_image,
    read_rgb,
    readable,
    write_rgb,
)
from app.widgets.plotting import text_colour, when_palette_changes
from nn.digits import IMAGE_SIDE
from nn.insight.inside import Inside, active_units, describe, grid_shape, unit_image
from nn.network import Network

GAP = 14  # screen pixels between two layers' grids
PICK_HINT = "Click a unit in a grid, or one listed here, to see what it responds to."
GRIDS_TOOLTIP = (
    "Each hidden layer's units as a grid of cells, one cell per unit, in order row by row: the "
    "brighter the cell, the more active the unit (relative to the most active unit of its layer "
    "for ReLU units, on 0 to 1 for sigmoid units). Framed cells are the strongest connections "
    "into the answer: red frames push towards it, blue against. Click a cell to see what that "
    "unit responds to."
)


class LayerGrids(QWidget):
    """The hidden layers side by side, each a grid of cells from the palette's background (off)
    to its text colour (most active), captioned with how many of its units are active.

    ``unit_clicked(layer, unit)``: a cell was clicked; ``layer`` 1 is the first hidden layer.
    """

    unit_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerGrids")
        self.setToolTip(GRIDS_TOOLTIP)
        self.setAccessibleName("Hidden layers")
        self.setAccessibleDescription("Each hidden layer's activations as a grid of cells")
        self.setMinimumSize(240, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._sizes: tuple[int, ...] = ()
        self._shapes: list[tuple[int, int]] = []
        self._images = []
        self._levels: list[np.ndarray] = []
        self._active: list[int] = []
        self._marks: list[tuple[int, int, float]] = []
        self._selected: tuple[int, int] | None = None
        when_palette_changes(self, self._recolour)

    def sizeHint(self) -> QSize:
        return QSize(520, 190)

    def set_sizes(self, sizes: Sequence[int]) -> None:
        """Lay out hidden layers of these ``sizes`` (units each), all cells off."""
        self._sizes = tuple(int(n) for n in sizes)
        self._shapes = [grid_shape(n) for n in self._sizes]
        self._images = [new_rgb_image(cols, rows) for rows, cols in self._shapes]
        self._levels = [np.zeros(n, np.float32) for n in self._sizes]
        self._active = [0] * len(self._sizes)
        self._marks = []
        self._selected = None
        self._recolour()

    def set_layers(
        self,
        levels: Sequence[np.ndarray],
        active: Sequence[int],
        marks: Sequence[tuple[int, int, float]] = (),
    ) -> None:
        """Show each layer's ``levels`` (its units' activations scaled to [0, 1]), the count of
        ``active`` units per layer, and framed ``marks`` ``(layer, unit, signed value)``."""
        self._levels = [np.asarray(v, np.float32) for v in levels]
        self._active = [int(n) for n in active]
        self._marks = list(marks)
        self._recolour()

    def clear_layers(self) -> None:
        """Every cell off, no frames (the chosen unit stays framed)."""
        self.set_layers([np.zeros(n, np.float32) for n in self._sizes], [0] * len(self._sizes))

    def set_selected(self, selected: tuple[int, int] | None) -> None:
        """Frame the cell of ``(layer, unit)`` as the one whose image is shown (None: none)."""
        self._selected = selected
        self.update()

    def layer_rgb(self, layer: int) -> np.ndarray:
        """The colours of ``layer``'s grid (1 = first hidden), ``(rows, columns, 3)`` uint8."""
        return read_rgb(self._images[layer - 1])

    def cell_centre(self, layer: int, unit: int) -> QPointF:
        """Where the cell of ``unit`` of ``layer`` is drawn now, in widget pixels."""
        rect, cell = self._grid_rects()[layer - 1]
        row, col = divmod(unit, self._shapes[layer - 1][1])
        return QPointF(rect.x() + (col + 0.5) * cell, rect.y() + (row + 0.5) * cell)

    def unit_at(self, position: QPointF) -> tuple[int, int] | None:
        """``(layer, unit)`` of the cell at ``position`` (widget pixels), or None."""
        for layer, (rect, cell) in enumerate(self._grid_rects(), start=1):
            if rect.contains(position):
                col = int((position.x() - rect.x()) // cell)
                row = int((position.y() - rect.y()) // cell)
                unit = row * self._shapes[layer - 1][1] + col
                if unit < self._sizes[layer - 1]:
                    return layer, unit
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        picked = self.unit_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and picked is not None:
            self.unit_clicked.emit(*picked)
        else:
            event.ignore()

    def _recolour(self) -> None:
        table = level_table(self.palette())
        background = table[0]
        for image, levels, (rows, cols) in zip(self._images, self._levels, self._shapes):
            rgb = np.empty((rows * cols, 3), np.uint8)
            rgb[: levels.size] = level_colours(levels, table)
            rgb[levels.size :] = background  # the last row's empty cells
            write_rgb(image, rgb.reshape(rows, cols, 3))
        self.update()

    def _caption_height(self) -> int:
        return self.fontMetrics().height() + 4

    def _grid_rects(self) -> list[tuple[QRectF, float]]:
        """Per layer: where its grid is drawn and the side of one cell (widget pixels)."""
        if not self._shapes:
            return []
        columns = sum(cols for _, cols in self._shapes)
        tallest = max(rows for rows, _ in self._shapes)
        gaps = GAP * (len(self._shapes) - 1)
        room_w = max(1.0, self.width() - gaps - 4)
        room_h = max(1.0, self.height() - self._caption_height() - 4)
        cell = min(room_w / columns, room_h / tallest)
        if cell >= 2:
            cell = float(int(cell))  # whole screen pixels per cell: crisp edges
        x = (self.width() - (columns * cell + gaps)) / 2
        top = self._caption_height() + 2
        rects = []
        for rows, cols in self._shapes:
            rects.append((QRectF(x, top, cols * cell, rows * cell), cell))
            x += cols * cell + GAP
        return rects

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        table = diverging_table(palette)
        caption_pen = QPen(text_colour(palette))
        rects = self._grid_rects()
        for layer, ((rect, _), image) in enumerate(zip(rects, self._images), start=1):
            painter.drawImage(rect, image)
            painter.setPen(caption_pen)
            caption = f"layer {layer}: {self._active[layer - 1]} of {self._sizes[layer - 1]} on"
            text_rect = QRectF(rect.x() - GAP / 2, 0, rect.width() + GAP, self._caption_height())
            elided = self.fontMetrics().elidedText(
                caption, Qt.TextElideMode.ElideRight, int(text_rect.width())
            )
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, elided)
        for layer, unit, value in self._marks:
            colour = QColor(*readable(table[-1] if value >= 0 else table[0], palette))
            self._frame(painter, rects, layer, unit, QPen(colour, 2))
        if self._selected is not None:
            pen = QPen(text_colour(palette), 2, Qt.PenStyle.DotLine)
            self._frame(painter, rects, *self._selected, pen)
        painter.end()

    def _frame(self, painter: QPainter, rects, layer: int, unit: int, pen: QPen) -> None:
        if not 1 <= layer <= len(rects) or not 0 <= unit < self._sizes[layer - 1]:
            return
        rect, cell = rects[layer - 1]
        row, col = divmod(unit, self._shapes[layer - 1][1])
        grow = max(1.0, cell / 3)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        side = cell + 2 * grow
        painter.drawRect(
            QRectF(rect.x() + col * cell - grow, rect.y() + row * cell - grow, side, side)
        )


class UnitImage(PixelImage):
    """A unit's 28x28 image in the diverging map centred on 0 (red: ink there raises the unit,
    blue: lowers it; the palette's background: no effect), scaled to its largest magnitude."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(IMAGE_SIDE, IMAGE_SIDE, parent)
        self.setObjectName("unitImage")
        self.setToolTip(
            "What the chosen unit responds to: red where ink raises its input, blue where ink "
            "lowers it, scaled to its largest weight."
        )
        self.setAccessibleName("What the chosen unit responds to")
        self.setAccessibleDescription("No unit chosen")
        self._values: np.ndarray | None = None
        when_palette_changes(self, self._recolour)
        self._recolour()

    def show_values(self, values: np.ndarray | None) -> None:
        """Show ``values`` (28, 28), signed; None → the blank background."""
        self._values = None if values is None else np.asarray(values, np.float32)
        self._recolour()

    def _recolour(self) -> None:
        table = diverging_table(self.palette())
        if self._values is None:
            self.set_rgb(np.broadcast_to(table[len(table) // 2], (IMAGE_SIDE, IMAGE_SIDE, 3)))
            return
        limit = float(np.abs(self._values).max())
        self.set_rgb(diverging_colours(self._values, table, limit))


class NetworkView(QFrame):
    """The hidden layers' grids, the strongest connections into the answer (links that show
    that unit), and what the chosen unit responds to with a caption saying how it was made."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip("How the network reads your digit, layer by layer")
        self.setAccessibleName("Network view")
        self.setAccessibleDescription("Nothing to show: draw a digit")
        self.grids = LayerGrids(self)
        self.strongest = _label(
            self,
            "strongestConnections",
            "Strongest connections",
            "The units of the last hidden layer that add the most to the answer's output: its "
            "weight from the unit times the unit's activation (red towards the answer, blue "
            "against). Click one to see what it responds to.",
        )
        self.strongest.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.strongest.setMinimumWidth(190)
        self.unit_image = UnitImage(self)
        self.unit_caption = _label(
            self,
            "unitCaption",
            "About the chosen unit",
            "Which unit is shown and how its image was made",
        )
        self.unit_caption.setMinimumWidth(170)
        self.unit_caption.setMaximumWidth(260)
        self._network: Network | None = None
        self._selected: tuple[int, int] | None = None
        self.grids.unit_clicked.connect(self.select_unit)
        self.strongest.linkActivated.connect(self._on_link)
        self._build_layout()
        self._show_caption()
        when_palette_changes(self, self._restyle)
        self._last: Inside | None = None
        self._show_strongest(None)

    def _build_layout(self) -> None:
        unit = QVBoxLayout()
        unit.addWidget(self.unit_image, 1)
        unit.addWidget(self.unit_caption)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.grids, 1)
        layout.addWidget(self.strongest)
        layout.addLayout(unit)

    # -- public API -------------------------------------------------------------------------
    def show_inside(self, network: Network | None, inside: Inside | None) -> None:
        """Show ``inside`` (from :func:`nn.insight.inside.look_inside` on ``network``); None →
        every cell off. A different network clears the chosen unit."""
        if network is not self._network:
            self._set_network(network)
        self._last = inside
        if network is None or inside is None:
            self.grids.clear_layers()
            self._show_strongest(None)
            self.setAccessibleDescription("Nothing to show: draw a digit")
            return
        activation = network.hidden_activation
        levels = [_levels(a, activation) for a in inside.hidden]
        active = [active_units(a, activation) for a in inside.hidden]
        last_hidden = len(inside.hidden)
        marks = (
            [(last_hidden, int(j), float(inside.contributions[j])) for j in inside.strongest]
            if last_hidden
            else []
        )
        self.grids.set_layers(levels, active, marks)
        self._show_strongest(inside)
        self.setAccessibleDescription(describe(inside, activation))

    def select_unit(self, layer: int, unit: int) -> None:
        """Show what ``unit`` of hidden ``layer`` (1 = first) responds to, with a caption."""
        if self._network is None:
            return
        try:
            values = unit_image(self._network, layer, unit)
        except ValueError:
            return
        self._selected = (layer, unit)
        self.unit_image.show_values(values)
        self.grids.set_selected(self._selected)
        self._show_caption()

    def selected_unit(self) -> tuple[int, int] | None:
        """``(layer, unit)`` whose image is shown, or None."""
        return self._selected

    # -- internals --------------------------------------------------------------------------
    def _set_network(self, network: Network | None) -> None:
        self._network = network
        self._selected = None
        self.grids.set_sizes(network.sizes[1:-1] if network is not None else ())
        self.unit_image.show_values(None)
        self._show_caption()

    def _on_link(self, link: str) -> None:
        layer, _, unit = link.partition(":")
        if layer.isdigit() and unit.isdigit():
            self.select_unit(int(layer), int(unit))

    def _restyle(self) -> None:
        self._show_strongest(self._last)

    def _show_strongest(self, inside: Inside | None) -> None:
        if inside is None:
            self.strongest.setText("<b>Strongest into the answer</b><br>draw a digit")
            return
        below = len(inside.activations) - 2
        table = diverging_table(self.palette())
        lines = [f"<b>Strongest into {inside.winner}</b> (z = {inside.z:.1f})"]
        for j in inside.strongest:
            value = float(inside.contributions[j])
            r, g, b = readable(table[-1] if value >= 0 else table[0], self.palette())
            amount = f'<span style="color: rgb({r},{g},{b});">{value:+.2f}</span>'
            if below:
                lines.append(f'<a href="{below}:{j}">unit {j}</a> of layer {below}: {amount}')
            else:
                lines.append(f"pixel {j}: {amount}")
        self.strongest.setText("<br>".join(lines))

    def _show_caption(self) -> None:
        if self._selected is None:
            self.unit_caption.setText(PICK_HINT)
            self.unit_image.setAccessibleDescription("No unit chosen")
            return
        layer, unit = self._selected
        if layer == 1:
            how = "its 784 incoming weights, one per pixel: exactly what it adds up from the ink."
        else:
            chain = " · ".join(f"W{k}" for k in range(layer - 1, 0, -1))
            how = (
                f"its weights W{layer}[{unit}] · {chain}: the first layer's images summed as it "
                "weighs them. A linear approximation: it ignores the "
                f"{self._network.hidden_activation} between the layers."
            )
        text = f"<b>Layer {layer}, unit {unit}</b><br>Red ink raises it, blue lowers it. From {how}"
        self.unit_caption.setText(text)
        self.unit_image.setAccessibleDescription(
            f"What unit {unit} of layer {layer} responds to: red where ink raises it, blue where "
            "ink lowers it"
        )


def _levels(a: np.ndarray, hidden_activation: str) -> np.ndarray:
    """Activations → [0, 1] for the grid: a sigmoid's as they are, ReLU's over the layer's
    largest (so the most active unit is full ink)."""
    if hidden_activation == "sigmoid":
        return a
    top = float(a.max()) if a.size else 0.0
    return a / top if top > 0 else np.zeros_like(a)


def _label(parent: QWidget, name: str, accessible: str, tooltip: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setToolTip(tooltip)
    label.setAccessibleName(accessible)
    label.setAccessibleDescription(tooltip)
    return label
