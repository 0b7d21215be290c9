"""A settings file the app cannot use (edited by hand, damaged, left by another version) never
stops the window from opening: each value that cannot be used is dropped and named in the log,
its default takes its place, and the usable values are kept."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray

from app.main_window import MainWindow
from app.settings import (
    GEOMETRY,
    HYPERPARAMETERS,
    LAST_FOLDER,
    PEN_WIDTH,
    RECENT_FILES,
    app_settings,
)

TOO_LONG = "/" + "x" * 5000  # longer than any path the system accepts


def store(values: dict[str, object]) -> None:
    """Write ``values`` into the app's INI file, as another program or version might."""
    settings = app_settings()
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()


def snapshot(window: MainWindow) -> dict[str, object]:
    """What the window restored from the settings."""
    return {
        "inputs": window.training_tab.controls.values(),
        "pen width": window.drawing_tab.pen_width,
        "size": window.size().toTuple(),
        "recent": window.recent_menu.paths(),
        "last folder": window.weight_files.last_folder(),
    }


@pytest.fixture
def defaults(make_window) -> dict[str, object]:
    """What a window opened without any settings shows (the settings are emptied after it)."""
    window = make_window()
    shown = snapshot(window)
    window.close()
    settings = app_settings()
    settings.clear()
    settings.sync()
    return shown


def dropped_keys(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_unusable_values_are_replaced_by_defaults_and_usable_ones_kept(
    make_window, defaults, tmp_path, caplog
):
    recent = str(tmp_path / "kept.npz")
    store({
        HYPERPARAMETERS: json.dumps({
            "batch_size": 3_000_000_000, "epochs": True, "hidden": 128, "eta": "3" * 5000,
            "hidden_activation": "tanh", "output_cost": ["softmax", "cross-entropy"],
            "init": None, "augment": "yes", "pen_copies": 99, "data": ["folder"],
            "data_folder": TOO_LONG,
            "schedule": "cosine", "momentum": "0.5", "lmbda": "2", "seed": "7",
            "pen_digits": True,  # these five are usable
        }),
        PEN_WIDTH: "3000000000",
        GEOMETRY: "not a geometry",
        RECENT_FILES: json.dumps([recent, 5, None, "a\0b", TOO_LONG, {"path": recent}]),
        LAST_FOLDER: TOO_LONG,
    })  # fmt: skip
    with caplog.at_level(logging.WARNING):
        window = make_window()

    assert window.isVisible()
    usable = {"schedule": "cosine", "momentum": "0.5", "lmbda": "2", "seed": "7",
              "pen_digits": True}  # fmt: skip
    assert window.training_tab.controls.values() == {**defaults["inputs"], **usable}
    assert window.training_tab.form.batch_spin.value() == 10
    assert window.training_tab.form.epochs_spin.value() == 30
    assert window.training_tab.form.eta_edit.text() == "3.0"
    assert window.drawing_tab.pen_width == defaults["pen width"]
    assert window.size().toTuple() == defaults["size"]
    assert window.recent_menu.paths() == [recent]
    assert window.weight_files.last_folder() == defaults["last folder"]
    logged = dropped_keys(caplog)
    for name in ("batch_size", "epochs", "hidden", "eta", "hidden_activation", "output_cost",
                 "init", "augment", "pen_copies", "data", "data_folder", PEN_WIDTH, GEOMETRY,
                 RECENT_FILES, LAST_FOLDER):  # fmt: skip
        assert f"{name} = " in logged, name
    for name in usable:
        assert f" {name} = " not in logged, name


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "values",
    [
        {HYPERPARAMETERS: json.dumps({"batch_size": 3_000_000_000})},
        {HYPERPARAMETERS: json.dumps({"epochs": -1, "batch_size": 0, "pen_copies": 0})},
        {HYPERPARAMETERS: nested(20_000)},
        {HYPERPARAMETERS: '{"epochs": ' + nested(20_000) + "}"},
        {HYPERPARAMETERS: '{"a": ' * 15_000 + "1" + "}" * 15_000},
        {HYPERPARAMETERS: json.dumps({"hidden": "30," * 400_000})},  # too long to read
        {HYPERPARAMETERS: json.dumps(["batch_size", 20])},
        {HYPERPARAMETERS: json.dumps(12)},
        {HYPERPARAMETERS: "{not json"},
        {HYPERPARAMETERS: ["a", "list", "of", "texts"]},
        {HYPERPARAMETERS: json.dumps({"seed": 7, "eta": 0.5, "hidden": ["30"]})},
        {HYPERPARAMETERS: json.dumps({"data_folder": "a\0b"})},
        {HYPERPARAMETERS: json.dumps({"data": {"kind": "full"}, "data_folder": 3})},
        {HYPERPARAMETERS: json.dumps({"augment": 1, "soften_sketches": "true"})},
        {PEN_WIDTH: "3000000000"},
        {PEN_WIDTH: "9" * 5000},
        {PEN_WIDTH: "1e400"},
        {PEN_WIDTH: "-5"},
        {PEN_WIDTH: "2"},
        {PEN_WIDTH: "22.5"},
        {PEN_WIDTH: ["22", "23"]},
        {GEOMETRY: QByteArray(b"garbage")},
        {GEOMETRY: QByteArray(b"\x01" * 1_000_000)},
        {GEOMETRY: 17},
        {RECENT_FILES: json.dumps({"file": "model.npz"})},
        {RECENT_FILES: json.dumps([1, 2.5, None, True, ["x"], {"y": 1}])},
        {RECENT_FILES: nested(20_000)},
        {RECENT_FILES: json.dumps([TOO_LONG, "a\0b"])},
        {RECENT_FILES: "model.npz"},
        {LAST_FOLDER: TOO_LONG},
        {LAST_FOLDER: ["a", "b"]},
    ],
    ids=lambda values: f"{next(iter(values))}={str(next(iter(values.values())))[:30]!r}",
)
def test_each_unusable_value_leaves_the_default_and_is_logged(
    values, make_window, defaults, caplog
):
    store(values)
    with caplog.at_level(logging.WARNING):
        window = make_window()
    assert window.isVisible()
    assert snapshot(window) == defaults
    assert dropped_keys(caplog)


def test_a_huge_recent_list_keeps_its_first_eight_paths(make_window, defaults, tmp_path):
    paths = [str(tmp_path / f"model-{n}.npz") for n in range(5000)]
    store({RECENT_FILES: json.dumps(paths)})
    window = make_window()
    assert window.recent_menu.paths() == paths[:8]
    assert json.loads(app_settings().value(RECENT_FILES)) == paths[:8]  # dropped from the file


def test_dropped_values_are_gone_once_the_window_has_closed(make_window, defaults, caplog):
    store({
        HYPERPARAMETERS: json.dumps({"batch_size": 3_000_000_000, "momentum": "0.5"}),
        PEN_WIDTH: "3000000000",
        GEOMETRY: "not a geometry",
        LAST_FOLDER: TOO_LONG,
    })  # fmt: skip
    make_window().close()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = make_window()
    assert dropped_keys(caplog) == ""
    assert again.training_tab.controls.values() == {**defaults["inputs"], "momentum": "0.5"}


@pytest.mark.qt_log_ignore("QVariant::load: unknown user type")  # Qt's word on the junk
def test_a_settings_file_that_is_not_an_ini_file_opens_with_defaults(make_window, defaults, caplog):
    path = Path(app_settings().fileName())
    path.parent.mkdir(parents=True, exist_ok=True)
    junk = bytes(range(256)) * 40
    path.write_bytes(
        b"\x00\xff\xfe garbage \x00\n[training]\nhyperparameters=@Variant(\\0\\0\\0\\x7f\\0\\0"
        b"\\0\\aFooBar\\0)\n[window]\ngeometry=@Rect(1 2 3)\n[drawing]\npenWidth=@Size(9 9)\n"
        + junk
    )
    window = make_window()
    assert window.isVisible()
    assert snapshot(window) == defaults
    window.close()  # the file is written anew
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = make_window()
    assert dropped_keys(caplog) == ""
    assert again.training_tab.controls.values() == defaults["inputs"]
    assert again.drawing_tab.pen_width == defaults["pen width"]
