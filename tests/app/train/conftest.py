"""Helpers for driving the Train tab through its widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.train.training_tab import TrainingTab

LEFT = Qt.MouseButton.LeftButton


def configure(tab: TrainingTab, **values) -> None:
    """Type into the form: hidden, eta, seed… as text; epochs and batch_size as numbers."""
    form = tab.form
    edits = {"hidden": form.hidden_edit, "eta": form.eta_edit, "seed": form.seed_edit,
             "lmbda": form.lambda_edit, "momentum": form.momentum_edit}  # fmt: skip
    for key, value in values.items():
        if key in edits:
            edits[key].setText(value)
        elif key == "epochs":
            form.epochs_spin.setValue(value)
        elif key == "batch_size":
            form.batch_spin.setValue(value)
        else:
            combo = {"activation": form.activation_combo, "output_cost": form.output_combo,
                     "schedule": form.schedule_combo}[key]  # fmt: skip
            combo.setCurrentIndex(combo.findData(value))


def run_to_end(qtbot, tab: TrainingTab, timeout: int = 20_000) -> None:
    """Click Train and wait until the run's thread has ended."""
    with qtbot.waitSignal(tab.running_changed, timeout=timeout, check_params_cb=lambda r: not r):
        qtbot.mouseClick(tab.train_button, LEFT)


def log_lines(tab: TrainingTab) -> list[str]:
    return tab.log.toPlainText().splitlines()
