"""The Train tab's "Handwriting" box: distort images each epoch, add pen-drawn digits, read
sketches softened."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.settings import HYPERPARAMETERS, report_dropped
from nn.data.pendigits import TRAINING_FILE
from nn.handwriting.options import HandwritingOptions

TIPS = {
    "augment": "Each epoch, train on a fresh distortion of every image: turned, slanted, scaled, "
    "shifted, with thinner or bolder strokes, so the network learns shapes rather than pixel "
    "positions. Computed in a background thread while the previous epoch trains (about 2 s of "
    "CPU per epoch of full MNIST), so epochs barely slow down when a core is free.",
    "pen_digits": "Also train on 7,494 digits that 30 people wrote on a tablet (Alpaydin & "
    "Alimoglu, UCI), drawn as this canvas draws at three pen widths: about 22,000 extra images "
    "that look like mouse drawings. Drawing them takes about half a minute before training "
    "starts, and every epoch grows by as many images.",
    "pen_copies": "How many times each pen digit is drawn at each pen width, each time at another "
    "size (with 'reshaped', also another slant). Every extra drawing adds about 22,000 images "
    "and half a minute of drawing. The default model used 3.",
    "pen_reshape": "Before drawing, turn (±10°), slant and stretch each pen digit at random, as "
    "another hand might write it: more variety from the same 30 writers. The default model "
    "used it.",
    "soften": "Have the trained network read drawings a little softened and bolder, as the "
    "default model does. Networks trained on pen-drawn digits with distorted images read "
    "about a third fewer drawings wrong that way; networks trained on MNIST alone read "
    "slightly worse. Saved with the weights; training itself is unchanged.",
    "styles": "Also draw the pen digits written in five ways MNIST rarely shows: slashed 0, "
    "crossed 7, 1 with flag and foot, open 4, 9 with a straight tail. About 3,800 more images, "
    "a few seconds more drawing.",
}


MAX_PEN_COPIES = 5
"""The most drawings per pen width the box offers: 5 adds about 110,000 images."""


class HandwritingOptionsBox(QGroupBox):
    """``augmentCheck`` and ``softenCheck`` (the trained network reads sketches softened),
    ``penDigitsCheck`` with ``penCopiesSpin`` (drawings per pen width) beside
    it and ``penReshapeCheck`` and ``penStylesCheck`` under it, all three enabled only with pen
    digits; all off (one drawing per width) by default.

    ``pen_digits_file`` is the pen-digit file used when pen digits are on (tests point it at a
    small file)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Handwriting", parent)
        self.setObjectName("handwritingOptions")
        self.setAccessibleName("Handwriting")
        self.setAccessibleDescription(
            "What makes a network read drawings: distorted images, pen-drawn digits, softening"
        )
        self.pen_digits_file: Path = TRAINING_FILE
        self.augment_check = _check(
            "augmentCheck", "Distort ima&ges each epoch", TIPS["augment"]
        )  # Alt+G
        self.soften_check = _check("softenCheck", "Read s&oftened", TIPS["soften"])  # Alt+O
        self.pen_digits_check = _check(
            "penDigitsCheck", "Add pen-drawn digits:", TIPS["pen_digits"]
        )
        self.copies_spin = QSpinBox()
        self.copies_spin.setObjectName("penCopiesSpin")
        self.copies_spin.setRange(1, MAX_PEN_COPIES)
        self.copies_spin.setToolTip(TIPS["pen_copies"])
        self.copies_spin.setAccessibleName("Pen-digit drawings per pen width")
        self.copies_spin.setAccessibleDescription(TIPS["pen_copies"])
        copies_label = QLabel("per pen width")
        copies_label.setBuddy(self.copies_spin)
        copies_label.setToolTip(TIPS["pen_copies"])
        self.reshape_check = _check("penReshapeCheck", "reshaped", TIPS["pen_reshape"])
        self.reshape_check.setAccessibleName("Reshape the pen digits")
        self.styles_check = _check("penStylesCheck", "with styled variants", TIPS["styles"])
        self.styles_check.setAccessibleName("Pen digits with styled variants")
        layout = QVBoxLayout(self)
        # Tighter than the other groups: the whole column fits a 720-px window without scrolling.
        layout.setContentsMargins(9, 4, 9, 4)
        layout.setSpacing(2)
        layout.addLayout(_row(0, self.augment_check, self.soften_check))
        layout.addLayout(_row(0, self.pen_digits_check, self.copies_spin, copies_label))
        layout.addLayout(_row(20, self.reshape_check, self.styles_check))
        for widget in (self.copies_spin, copies_label, self.reshape_check, self.styles_check):
            self.pen_digits_check.toggled.connect(widget.setEnabled)
            widget.setEnabled(False)

    def __repr__(self) -> str:
        return f"HandwritingOptionsBox({self.options()!r})"

    def focus_order(self) -> list[QWidget]:
        """Row by row, left to right, as the boxes are laid out."""
        return [self.augment_check, self.soften_check, self.pen_digits_check, self.copies_spin,
                self.reshape_check, self.styles_check]  # fmt: skip

    def options(self) -> HandwritingOptions:
        """The run's options: how the pen digits are drawn counts only with pen digits."""
        pen = self.pen_digits_check.isChecked()
        return HandwritingOptions(
            augment=self.augment_check.isChecked(),
            pen_digits=self.pen_digits_file if pen else None,
            pen_copies=self.copies_spin.value() if pen else 1,
            pen_reshape=pen and self.reshape_check.isChecked(),
            styles=pen and self.styles_check.isChecked(),
            soften_sketches=self.soften_check.isChecked(),
        )

    def values(self) -> dict:
        """The boxes as they are, for the settings file."""
        return {
            "augment": self.augment_check.isChecked(),
            "pen_digits": self.pen_digits_check.isChecked(),
            "pen_copies": self.copies_spin.value(),
            "pen_reshape": self.reshape_check.isChecked(),
            "pen_styles": self.styles_check.isChecked(),
            "soften_sketches": self.soften_check.isChecked(),
        }

    def set_values(self, values: dict) -> None:
        """Fill the boxes from :meth:`values`' dict. Missing entries are skipped; entries of
        another type and drawing counts out of range are skipped and named in the log."""
        checks = {"augment": self.augment_check, "pen_digits": self.pen_digits_check,
                  "pen_reshape": self.reshape_check, "pen_styles": self.styles_check,
                  "soften_sketches": self.soften_check}  # fmt: skip
        for key, check in checks.items():
            if key not in values:
                continue
            if isinstance(values[key], bool):
                check.setChecked(values[key])
            else:
                report_dropped(f"{HYPERPARAMETERS} {key}", values[key], "not true or false")
        if "pen_copies" in values:
            copies = values["pen_copies"]
            if type(copies) is int and 1 <= copies <= MAX_PEN_COPIES:
                self.copies_spin.setValue(copies)
            else:
                report_dropped(
                    f"{HYPERPARAMETERS} pen_copies",
                    copies,
                    f"not a whole number 1-{MAX_PEN_COPIES}",
                )


def _row(indent: int, *widgets: QWidget) -> QHBoxLayout:
    """The widgets side by side, ``indent`` pixels from the left, packed to the left."""
    row = QHBoxLayout()
    row.setContentsMargins(indent, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row


def _check(name: str, text: str, tip: str) -> QCheckBox:
    check = QCheckBox(text)
    check.setObjectName(name)
    check.setToolTip(tip)
    check.setAccessibleName(text.replace("&", "").removesuffix(":"))
    check.setAccessibleDescription(tip)
    return check
