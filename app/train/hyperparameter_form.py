"""The network's shape and the SGD settings, as inputs with tooltips, parsed and validated.

Validation is the ``nn`` package's own (:func:`~nn.network.check_sizes`, :class:`TrainingConfig`):
their ValueError messages are what the user reads.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.settings import HYPERPARAMETERS, report_dropped
from nn.network import INPUT_SIZE, OUTPUT_SIZE, check_sizes
from nn.training import TrainingConfig

HIDDEN_ACTIVATIONS = [("sigmoid", "sigmoid"), ("ReLU", "relu")]
OUTPUT_COSTS = [
    ("sigmoid + quadratic cost", ("sigmoid", "quadratic")),
    ("sigmoid + cross-entropy", ("sigmoid", "cross-entropy")),
    ("softmax + cross-entropy", ("softmax", "cross-entropy")),
]
INITS = [("N(0, 1)", "normal"), ("N(0, 1/n_in): scaled by 1/√n_in", "scaled")]
SCHEDULES = [("constant", "constant"), ("cosine → 0", "cosine")]
SCHEDULE_TIP = (
    "How η changes over the run: constant as in Nielsen's book, or annealed along a cosine from η "
    "down to near 0 at the last epoch, which lets the final epochs settle instead of wander."
)
DEFAULTS = {
    "hidden": "30", "hidden_activation": "sigmoid", "output_cost": "sigmoid/quadratic",
    "init": "normal", "eta": "3.0", "schedule": "constant", "batch_size": 10, "epochs": 30,
    "lmbda": "0", "momentum": "0", "seed": "",
}  # fmt: skip
"""Nielsen's configuration (the book's network.py): [784, 30, 10], sigmoid, quadratic cost,
N(0, 1), η = 3, m = 10, 30 epochs."""


MAX_TEXT = 1000
"""The longest text restored into an input from the settings."""

TIPS = {
    "Hidden layers": "Neurons per hidden layer, separated by commas: 30 gives [784, 30, 10], "
    "128,64 gives [784, 128, 64, 10]; empty for none.",
    "Hidden activation": "The sigmoid 1/(1+exp(-z)) as in the book, or ReLU max(0, z) "
    "(use a smaller η with ReLU, e.g. 0.1).",
    "Output and cost": "The output layer's activation and the cost it is trained on. The book's "
    "network.py uses sigmoid + quadratic; cross-entropy learns faster from bad guesses.",
    "Initial weights": "N(0, 1) as in the book's network.py, or N(0, 1/n_in), which keeps "
    "neurons out of saturation in wide layers.",
    "Learning rate η": "Step size of gradient descent: 3.0 for sigmoid + quadratic (as in the "
    "book), about 0.5 with cross-entropy, 0.1 with ReLU.",
    "Mini-batch size": "Samples averaged per gradient step (the book uses 10).",
    "Epochs": "Passes over the training set (the book trains for 30).",
    "L2 strength λ": "Weight decay: each step shrinks the weights by a factor 1 - ηλ/n. "
    "0 turns it off; Nielsen uses 5.0 on 50,000 images.",
    "Momentum μ": "v ← μv - η∇C, with μ in [0, 1); 0 is plain SGD.",
    "Seed": "A whole number makes the initial weights and the shuffling reproducible; "
    "leave empty for a different run each time.",
}


MNEMONICS = {
    "Hidden layers": "Hidden &layers",
    "Hidden activation": "H&idden activation",
    "Output and cost": "Output and &cost",
    "Initial weights": "Initial &weights",
    "Learning rate η": "Learning &rate η",
    "Mini-batch size": "Mini-&batch size",
    "Epochs": "E&pochs",
    "L2 strength λ": "L&2 strength λ",
    "Momentum μ": "&Momentum μ",
    "Seed": "&Seed",
}
"""Each field's label with its Alt+letter: none of these letters is taken by a menu (File, View,
Training, Help), a tab (Draw, Train, Evaluate) or another input of the Train tab."""


class HyperparameterForm(QWidget):
    """Network and training inputs; :meth:`parse` turns them into a run's settings."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hidden_edit = _line_edit("hiddenLayersEdit", "neurons per hidden layer, e.g. 128,64")
        self.activation_combo = _combo("hiddenActivationCombo", HIDDEN_ACTIVATIONS)
        self.output_combo = _combo("outputCostCombo", [(n, "/".join(d)) for n, d in OUTPUT_COSTS])
        self.init_combo = _combo("initCombo", INITS)
        self.eta_edit = _line_edit("etaEdit", "e.g. 3.0")
        self.schedule_combo = _combo("scheduleCombo", SCHEDULES)
        self.schedule_combo.setToolTip(SCHEDULE_TIP)
        self.schedule_combo.setAccessibleName("Learning rate schedule")
        self.schedule_combo.setAccessibleDescription(SCHEDULE_TIP)
        eta_row = _side_by_side(self.eta_edit, self.schedule_combo)
        self.batch_spin = _spin("batchSizeSpin", 1, 60_000)
        self.epochs_spin = _spin("epochsSpin", 1, 1_000)
        self.lambda_edit = _line_edit("lambdaEdit", "0 = no regularisation")
        self.momentum_edit = _line_edit("momentumEdit", "0 = plain SGD")
        self.seed_edit = _line_edit("seedEdit", "empty = random")
        fields = [self.hidden_edit, self.activation_combo, self.output_combo, self.init_combo,
                  eta_row, self.batch_spin, self.epochs_spin, self.lambda_edit,
                  self.momentum_edit, self.seed_edit]  # fmt: skip
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        rows = list(zip(TIPS, fields, strict=True))
        layout.addWidget(_group("Network", rows[:4]))
        layout.addWidget(_group("Training", rows[4:]))
        self._focus_order = [*fields[:4], self.eta_edit, self.schedule_combo, *fields[5:]]
        self.set_values(DEFAULTS)
        for field in [*fields, self.eta_edit, self.schedule_combo]:
            for name in ("textChanged", "currentIndexChanged", "valueChanged"):
                if hasattr(field, name):
                    getattr(field, name).connect(self.changed)
                    break

    def focus_order(self) -> list[QWidget]:
        """The inputs top to bottom, the η schedule right after η."""
        return list(self._focus_order)

    def parse(self) -> tuple[tuple[int, ...], dict, TrainingConfig]:
        """``(sizes, network options, config)`` from the inputs; ValueError says what is wrong."""
        sizes = check_sizes((INPUT_SIZE, *_hidden_sizes(self.hidden_edit.text()), OUTPUT_SIZE))
        seed = _seed(self.seed_edit.text())
        output, cost = self.output_combo.currentData().split("/")
        options = {
            "hidden_activation": self.activation_combo.currentData(),
            "output_activation": output,
            "cost": cost,
            "init": self.init_combo.currentData(),
            "seed": seed,
        }
        config = TrainingConfig(
            epochs=self.epochs_spin.value(),
            batch_size=self.batch_spin.value(),
            eta=_number(self.eta_edit.text(), "learning rate η"),
            lmbda=_number(self.lambda_edit.text(), "L2 strength λ"),
            momentum=_number(self.momentum_edit.text(), "momentum"),
            seed=seed,
            schedule=self.schedule_combo.currentData(),
        )
        return sizes, options, config

    def values(self) -> dict:
        """The inputs as they are (valid or not), for the settings file."""
        return {
            "hidden": self.hidden_edit.text(),
            "hidden_activation": self.activation_combo.currentData(),
            "output_cost": self.output_combo.currentData(),
            "init": self.init_combo.currentData(),
            "eta": self.eta_edit.text(),
            "schedule": self.schedule_combo.currentData(),
            "batch_size": self.batch_spin.value(),
            "epochs": self.epochs_spin.value(),
            "lmbda": self.lambda_edit.text(),
            "momentum": self.momentum_edit.text(),
            "seed": self.seed_edit.text(),
        }

    def set_values(self, values: dict) -> None:
        """Fill the inputs from :meth:`values`' dict. Missing entries are skipped; entries that an
        input cannot hold (another type, a number out of its range, a choice it does not offer,
        a text longer than :data:`MAX_TEXT`) are skipped and named in the log."""
        texts = {"hidden": self.hidden_edit, "eta": self.eta_edit, "lmbda": self.lambda_edit,
                 "momentum": self.momentum_edit, "seed": self.seed_edit}  # fmt: skip
        combos = {"hidden_activation": self.activation_combo, "output_cost": self.output_combo,
                  "init": self.init_combo, "schedule": self.schedule_combo}  # fmt: skip
        spins = {"batch_size": self.batch_spin, "epochs": self.epochs_spin}
        for key, value in values.items():
            if key in texts:
                problem = _text_problem(value)
                if not problem:
                    texts[key].setText(value)
            elif key in combos:
                index = combos[key].findData(value) if isinstance(value, str) else -1
                problem = "" if index >= 0 else "not one of the choices"
                if index >= 0:
                    combos[key].setCurrentIndex(index)
            elif key in spins:
                spin = spins[key]
                problem = _whole_number_problem(value, spin.minimum(), spin.maximum())
                if not problem:
                    spin.setValue(value)
            else:
                continue
            if problem:
                report_dropped(f"{HYPERPARAMETERS} {key}", value, problem)


def _text_problem(value: object) -> str:
    if not isinstance(value, str):
        return "not text"
    return f"longer than {MAX_TEXT} characters" if len(value) > MAX_TEXT else ""


def _whole_number_problem(value: object, low: int, high: int) -> str:
    if type(value) is not int:  # a bool is an int to Python, not to this input
        return "not a whole number"
    return "" if low <= value <= high else f"not in {low}-{high}"


def _hidden_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ValueError(f"hidden layers: {part!r} is not a whole number (write e.g. 128,64)")
        sizes.append(int(part))
    return sizes


def _number(text: str, what: str) -> float:
    """``text`` read as a number in the user's locale (:class:`QLocale`, the system's unless a
    default is set); ValueError when it is not a number, or when it could be two.

    A decimal point "." is always understood, because the defaults, the tooltips and Nielsen's
    book write η = 3.0 and the settings file keeps what was typed. So is the locale's decimal
    separator ("0,5" where the comma is the decimal mark), and a lone decimal comma elsewhere
    ("0,5" is 0.5 in English too, as a person meant it). Thousands separators are understood only
    where they cannot also be a decimal mark: "1,000" in English could be a thousand or one,
    and "1.000" in German one or a thousand. Guessing wrong would train at η = 1000 (stuck near
    chance) or silently at 1.0, so such input is refused with both readings spelled out; a
    learning rate in the thousands is nonsense anyway and needs no separator.
    """
    stripped = text.strip()
    readings = _readings(stripped)
    if not readings:
        raise ValueError(f"{what}: {stripped!r} is not a number")
    if any(math.isnan(value) for value in readings):
        return math.nan  # TrainingConfig says what is wrong with it
    values = sorted(readings, key=lambda v: (readings[v] is not _GROUPED, v))
    if len(values) > 1:
        options = " or ".join(_shown(v, readings[v]) for v in values)
        raise ValueError(f"{what}: {stripped!r} could be read two ways: write {options}")
    return values[0]


_DECIMAL, _GROUPED = "decimal", "grouped"


def _readings(text: str) -> dict[float, str]:
    """Each value ``text`` can be read as, and whether thousands separators gave it."""
    locale = QLocale()
    strict_c = QLocale.c()
    strict_c.setNumberOptions(QLocale.NumberOption.RejectGroupSeparator)
    strict_locale = QLocale(locale)
    strict_locale.setNumberOptions(QLocale.NumberOption.RejectGroupSeparator)
    grouped = QLocale(locale)
    grouped.setNumberOptions(QLocale.NumberOption.DefaultNumberOptions)
    candidates = [
        (strict_c, text, _DECIMAL),
        (strict_locale, text, _DECIMAL),
        (grouped, text, _GROUPED),
    ]
    if "," in text and "." not in text:  # a decimal comma, wherever the user is
        candidates.append((strict_c, text.replace(",", "."), _DECIMAL))
    readings: dict[float, str] = {}
    for reader, candidate, kind in candidates:
        value, ok = reader.toDouble(candidate)
        if ok:
            readings.setdefault(value, kind)
    return readings


def _shown(value: float, kind: str) -> str:
    """``value`` written the way that reads unambiguously in the user's locale."""
    if kind is _GROUPED and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace(".", QLocale().decimalPoint())


def _seed(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise ValueError(
            f"seed must be a whole number ≥ 0, or empty for a random start; got {text!r}"
        )
    return int(text)


def _line_edit(name: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _side_by_side(*widgets: QWidget) -> QWidget:
    """One form row holding ``widgets`` left to right, the first one stretching."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for index, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if index == 0 else 0)
    row.setFocusProxy(widgets[0])  # the row's label then names and focuses the first widget
    return row


def _spin(name: str, low: int, high: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setAccelerated(True)
    return spin


def _group(title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
    """A titled box of labelled inputs, each label and input with its tooltip from TIPS; a label
    is its input's buddy (Alt+its letter from MNEMONICS moves focus there), and the input takes
    the label's words as its accessible name, the tooltip as its description."""
    group = QGroupBox(title)
    group.setAccessibleName(title)
    form = QFormLayout(group)
    for label, field in rows:
        field.setToolTip(TIPS[label])
        target = field.focusProxy() or field
        target.setAccessibleName(label)
        target.setAccessibleDescription(TIPS[label])
        form.addRow(MNEMONICS[label], field)
        form.labelForField(field).setToolTip(TIPS[label])
        form.labelForField(field).setBuddy(target)
    return group
