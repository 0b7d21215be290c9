"""The η, λ and μ fields read numbers as the user's locale writes them, and refuse a number that
could be read two ways; stored values an input cannot hold are skipped, not set."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QLineEdit

from app.train.hyperparameter_form import HyperparameterForm
from tests.app.train.conftest import LEFT, run_to_end

ENGLISH = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)


@pytest.fixture
def in_locale(request) -> Iterator[QLocale]:
    """Make ``request.param`` the locale numbers are read in, for this test only."""
    before = QLocale()
    QLocale.setDefault(request.param)
    yield request.param
    QLocale.setDefault(before)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    """Select what the field holds and type ``text`` over it, as a person would."""
    qtbot.mouseClick(edit, LEFT)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)
    assert edit.text() == text


@pytest.mark.parametrize(
    ("in_locale", "text", "eta"),
    [
        (ENGLISH, "0.5", 0.5),
        (ENGLISH, "3.0", 3.0),
        (ENGLISH, "1.000", 1.0),
        (ENGLISH, "0,5", 0.5),  # a decimal comma that cannot be a thousands separator
        (ENGLISH, "1,000.5", 1000.5),  # a thousands separator that cannot be a decimal comma
        (ENGLISH, "2e-3", 0.002),
        (GERMAN, "0,5", 0.5),
        (GERMAN, "1,000", 1.0),
        (GERMAN, "3.0", 3.0),  # the default, as the settings file keeps it
        (GERMAN, "0.25", 0.25),
        (GERMAN, "1.000,5", 1000.5),
    ],
    indirect=["in_locale"],
)
def test_a_number_is_read_as_the_users_locale_writes_it(qtbot, window, in_locale, text, eta):
    tab = window.training_tab
    type_into(qtbot, tab.form.eta_edit, text)
    assert tab.train_button.isEnabled() and tab.controls.validation_label.isHidden()
    assert tab.form.parse()[2].eta == eta


@pytest.mark.parametrize(
    ("in_locale", "text", "message"),
    [
        (ENGLISH, "1,000", "learning rate η: '1,000' could be read two ways: write 1000 or 1.0"),
        (ENGLISH, "12,345", "write 12345 or 12.345"),
        (GERMAN, "1.000", "learning rate η: '1.000' could be read two ways: write 1000 or 1,0"),
        (ENGLISH, "1,0,0", "learning rate η: '1,0,0' is not a number"),
    ],
    indirect=["in_locale"],
)
def test_a_number_that_could_be_read_two_ways_is_refused_with_both(
    qtbot, window, in_locale, text, message
):
    tab = window.training_tab
    type_into(qtbot, tab.form.eta_edit, text)
    label = tab.controls.validation_label
    assert not tab.train_button.isEnabled()
    assert message in label.text() and not label.isHidden()
    type_into(qtbot, tab.form.eta_edit, "0.5")
    assert tab.train_button.isEnabled() and label.isHidden()


@pytest.mark.parametrize("in_locale", [GERMAN], indirect=True)
def test_lambda_and_momentum_read_the_locale_too_and_the_run_uses_them(qtbot, window, in_locale):
    tab = window.training_tab
    form = tab.form
    type_into(qtbot, form.eta_edit, "0,5")
    type_into(qtbot, form.lambda_edit, "2,5")
    type_into(qtbot, form.momentum_edit, "0,9")
    type_into(qtbot, form.seed_edit, "1")
    form.epochs_spin.setValue(1)
    type_into(qtbot, form.momentum_edit, "1.000")
    assert "momentum: '1.000' could be read two ways" in tab.controls.validation_label.text()
    type_into(qtbot, form.momentum_edit, "0,9")
    run_to_end(qtbot, tab)
    training = window.model.model.description.settings["training"]
    assert (training["eta"], training["lmbda"], training["momentum"]) == (0.5, 2.5, 0.9)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("batch_size", 3_000_000_000),
        ("batch_size", 0),
        ("batch_size", True),
        ("batch_size", 12.0),
        ("epochs", "30"),
        ("epochs", 1001),
        ("eta", 0.5),
        ("hidden", "1" * 5000),
        ("hidden", None),
        ("hidden_activation", "tanh"),
        ("output_cost", ["sigmoid", "quadratic"]),
        ("init", 1),
        ("schedule", {"kind": "cosine"}),
    ],
)
def test_a_stored_value_an_input_cannot_hold_is_skipped_and_logged(qtbot, key, value, caplog):
    form = HyperparameterForm()
    qtbot.addWidget(form)
    before = form.values()
    with caplog.at_level(logging.WARNING):
        form.set_values({key: value, "momentum": "0.5"})
    assert form.values() == {**before, "momentum": "0.5"}
    assert f"{key} = " in caplog.text
