"""What the network looks at: the input's ink coloured by how it counts for the answer."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.draw.pixel_image import (
    PixelImage,
    diverging_colours,
    diverging_table,
    level_table,
    readable,
)
from app.widgets.plotting import when_palette_changes
from nn.digits import IMAGE_SIDE

INK_SHOWN = 0.45
"""How dark (light theme) or bright (dark theme) the input's ink shows where it counts little."""

SATURATED_SHARE = 1.0
"""The strongest this percentage of inked pixels are shown at full colour; the rest in
proportion, so that one extreme pixel does not wash out the others."""

TOOLTIP = (
    "What the network looks at: each pixel of its input coloured by gradient × input of the "
    "answer's output (before its softmax or sigmoid). Red ink pushes the answer towards the "
    "digit it gives, blue ink pushes against it; grey ink counts little. Only ink can count: "
    "empty pixels are zero in this measure."
)


class LooksAtView(QWidget):
    """The 28x28 input, its ink coloured red (pushes towards the answer) or blue (against) in a
    diverging map whose middle is the palette's background, over the input drawn faintly in the
    palette's text colour; with a one-line legend below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("looksAtView")
        self.setToolTip(TOOLTIP)
        self.setAccessibleName("What the network looks at")
        self.setAccessibleDescription("Nothing to show: draw a digit")
        self.image = PixelImage(IMAGE_SIDE, IMAGE_SIDE, self)
        self.image.setObjectName("looksAtImage")
        self.image.setToolTip(TOOLTIP)
        self.image.setAccessibleName("What the network looks at, as an image")
        self.image.setAccessibleDescription(
            "The input's ink: red where it pushes towards the answer, blue where against"
        )
        self.legend = QLabel(self)
        self.legend.setObjectName("looksAtLegend")
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.legend.setWordWrap(True)
        self.legend.setToolTip(TOOLTIP)
        self.legend.setAccessibleName("Legend of what the network looks at")
        self.legend.setAccessibleDescription("Which colour means towards the answer and against")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.legend)
        self._input: np.ndarray | None = None
        self._attribution: np.ndarray | None = None
        self._winner: int | None = None
        self._set_legend(None)
        when_palette_changes(self, self._restyle)
        self._recolour()

    def show_attribution(
        self, x: np.ndarray | None, attribution: np.ndarray | None, winner: int | None
    ) -> None:
        """Show input ``x`` (784,) in [0, 1] coloured by ``attribution`` (784,), signed, for the
        answer ``winner``; None for any of them → the blank background."""
        if x is None or attribution is None or winner is None:
            self._input = self._attribution = None
            winner = None
        else:
            self._input = np.asarray(x, np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE)
            self._attribution = np.asarray(attribution, np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE)
        if winner != self._winner:
            self._set_legend(winner)
        self._recolour()

    def rgb(self) -> np.ndarray:
        """The colours shown now, (28, 28, 3) uint8."""
        return self.image.rgb()

    def _set_legend(self, winner: int | None) -> None:
        self._winner = winner
        if winner is None:
            self.legend.setText("What it looks at")
        else:
            table = diverging_table(self.palette())
            self.legend.setText(
                f"{self._coloured('red', table[-1])} → {winner}, "
                f"{self._coloured('blue', table[0])} against"
            )

    def _coloured(self, word: str, rgb: np.ndarray) -> str:
        r, g, b = readable(rgb, self.palette())
        return f'<span style="color: rgb({r},{g},{b}); font-weight: 600;">{word}</span>'

    def _restyle(self) -> None:
        self._set_legend(self._winner)
        self._recolour()

    def _recolour(self) -> None:
        palette = self.palette()
        table = diverging_table(palette)
        if self._attribution is None or self._input is None:
            self.image.set_rgb(np.broadcast_to(table[len(table) // 2], (IMAGE_SIDE, IMAGE_SIDE, 3)))
            self.setAccessibleDescription("Nothing to show: draw a digit")
            return
        self.image.set_rgb(_blend(self._input, self._attribution, table, level_table(palette, 2)))
        self.setAccessibleDescription(_describe(self._attribution, self._winner))


def _blend(
    x: np.ndarray, attribution: np.ndarray, table: np.ndarray, ink: np.ndarray
) -> np.ndarray:
    """(28, 28, 3) uint8: ``attribution`` in the diverging ``table`` (its middle the background),
    plus the input ``x`` drawn faintly in the ink colour where the attribution is weak.
    ``ink`` is ``[background, ink]`` (2, 3)."""
    size = np.abs(attribution)
    inked = size[x > 0]
    limit = 0.0
    if inked.size:
        rank = min(inked.size - 1, int(inked.size * (1 - SATURATED_SHARE / 100)))
        limit = float(np.partition(inked, rank)[rank])
    if limit <= 0:
        limit = float(size.max()) or 1.0
    colours = diverging_colours(attribution, table, limit).astype(np.float32)
    weak = 1.0 - np.clip(size / limit, 0.0, 1.0)
    step = ink[1].astype(np.float32) - ink[0].astype(np.float32)
    faint = (INK_SHOWN * np.clip(x, 0.0, 1.0) * weak)[..., None] * step
    return np.clip(np.rint(colours + faint), 0, 255).astype(np.uint8)


def _describe(attribution: np.ndarray, winner: int | None) -> str:
    """In words: how much of the attribution pushes towards the answer."""
    total = float(np.abs(attribution).sum())
    if total == 0 or winner is None:
        return "No ink counts for the answer"
    towards = float(attribution[attribution > 0].sum()) / total
    return (
        f"Red where the ink pushes towards {winner}, blue where it pushes against: "
        f"{towards:.0%} of the ink's weight pushes towards {winner}"
    )
