"""The Train tab's "Handwriting" box: distort images each epoch, add pen-drawn digits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QVBoxLayout, QWidget

from nn.handwriting import HandwritingOptions
from nn.pendigits import TRAINING_FILE

TIPS = {
    "augment": "Each epoch, train on a fresh distortion of every image: turned, slanted, scaled, "
    "shifted, with thinner or bolder strokes, so the network learns shapes rather than pixel "
    "positions. Computed in a background thread while the previous epoch trains (about 2 s of "
    "CPU per epoch of full MNIST), so epochs barely slow down when a core is free.",
    "pen_digits": "Also train on 7,494 digits that 30 people wrote on a tablet (Alpaydin & "
    "Alimoglu, UCI), drawn as this canvas draws at three pen widths: about 22,000 extra images "
    "that look like mouse drawings. Drawing them takes about half a minute before training "
    "starts, and every epoch grows by as many images.",
    "styles": "Also draw the pen digits written in five ways MNIST rarely shows: slashed 0, "
    "crossed 7, 1 with flag and foot, open 4, 9 with a straight tail. About 3,800 more images, "
    "a few seconds more drawing.",
}


class HandwritingOptionsBox(QGroupBox):
    """``augmentCheck``, ``penDigitsCheck`` and, under it, ``penStylesCheck`` (enabled only with
    pen digits); all off by default.

    ``pen_digits_file`` is the pen-digit file used when pen digits are on (tests point it at a
    small file)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Handwriting", parent)
        self.setObjectName("handwritingOptions")
        self.pen_digits_file: Path = TRAINING_FILE
        self.augment_check = _check("augmentCheck", "Distort images each epoch", TIPS["augment"])
        self.pen_digits_check = _check(
            "penDigitsCheck", "Add pen-drawn digits (30 writers)", TIPS["pen_digits"]
        )
        self.styles_check = _check("penStylesCheck", "with styled variants", TIPS["styles"])
        layout = QVBoxLayout(self)
        # Tighter than the other groups: the whole column fits a 720-px window without scrolling.
        layout.setContentsMargins(9, 4, 9, 6)
        layout.setSpacing(2)
        layout.addWidget(self.augment_check)
        layout.addWidget(self.pen_digits_check)
        under_pen_digits = QHBoxLayout()
        under_pen_digits.setContentsMargins(20, 0, 0, 0)
        under_pen_digits.addWidget(self.styles_check)
        layout.addLayout(under_pen_digits)
        self.pen_digits_check.toggled.connect(self.styles_check.setEnabled)
        self.styles_check.setEnabled(False)

    def __repr__(self) -> str:
        return f"HandwritingOptionsBox({self.options()!r})"

    def options(self) -> HandwritingOptions:
        """The run's options: the styled variants count only with pen digits."""
        pen = self.pen_digits_check.isChecked()
        return HandwritingOptions(
            augment=self.augment_check.isChecked(),
            pen_digits=self.pen_digits_file if pen else None,
            styles=pen and self.styles_check.isChecked(),
        )

    def values(self) -> dict:
        """The boxes as they are, for the settings file."""
        return {
            "augment": self.augment_check.isChecked(),
            "pen_digits": self.pen_digits_check.isChecked(),
            "pen_styles": self.styles_check.isChecked(),
        }

    def set_values(self, values: dict) -> None:
        """Tick the boxes from :meth:`values`' dict; missing or non-bool entries are skipped."""
        checks = {"augment": self.augment_check, "pen_digits": self.pen_digits_check,
                  "pen_styles": self.styles_check}  # fmt: skip
        for key, check in checks.items():
            if isinstance(values.get(key), bool):
                check.setChecked(values[key])


def _check(name: str, text: str, tip: str) -> QCheckBox:
    check = QCheckBox(text)
    check.setObjectName(name)
    check.setToolTip(tip)
    return check
