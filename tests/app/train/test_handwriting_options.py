"""The Train tab's handwriting box driven by clicks: pen digits drawn in the worker thread with
progress and Stop, distortion passed to the Trainer, settings kept, inputs locked while training."""

from __future__ import annotations

import re
import threading

import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QGroupBox, QSpinBox

import app.train.training_worker
import nn.handwriting.strokes
from app.train.data_source import DataChoice
from app.train.progress_panel import ProgressPanel
from app.train.training_job import TrainingJob
from app.train.training_tab import TrainingTab
from app.train.training_worker import TrainingWorker
from nn.handwriting.augment import augment
from nn.handwriting.options import HandwritingOptions, training_set
from nn.sketch.reading import SOFTENED
from nn.training import TrainingConfig
from tests.app.conftest import loader_for
from tests.app.train.conftest import LEFT, configure, log_lines, run_to_end


def click(qtbot, check: QCheckBox) -> None:
    """Click the box's indicator, at its left end."""
    qtbot.mouseClick(check, LEFT, pos=QPoint(8, check.height() // 2))


def boxes(tab: TrainingTab) -> tuple[QCheckBox, QCheckBox, QCheckBox]:
    group = tab.findChild(QGroupBox, "handwritingOptions")
    names = ("augmentCheck", "penDigitsCheck", "penStylesCheck")
    return tuple(group.findChild(QCheckBox, name) for name in names)


def how_drawn(tab: TrainingTab) -> tuple[QSpinBox, QCheckBox]:
    """The drawings-per-width spin box and the "reshaped" box under the pen digits."""
    group = tab.findChild(QGroupBox, "handwritingOptions")
    return group.findChild(QSpinBox, "penCopiesSpin"), group.findChild(QCheckBox, "penReshapeCheck")


def test_all_off_by_default_and_styles_wait_for_pen_digits(qtbot, window):
    tab = window.training_tab
    augment_box, pen_box, styles_box = boxes(tab)
    copies_spin, reshape_box = how_drawn(tab)
    assert not any(box.isChecked() for box in (augment_box, pen_box, styles_box, reshape_box))
    assert copies_spin.value() == 1
    assert tab.controls.handwriting.options() == HandwritingOptions()
    under_pen = (styles_box, copies_spin, reshape_box)
    assert not any(widget.isEnabled() for widget in under_pen)
    click(qtbot, pen_box)
    assert pen_box.isChecked() and all(widget.isEnabled() for widget in under_pen)
    click(qtbot, styles_box)
    click(qtbot, reshape_box)
    copies_spin.setFocus()
    qtbot.keyClick(copies_spin, Qt.Key.Key_Up)
    options = tab.controls.handwriting.options()
    assert (options.styles, options.pen_reshape, options.pen_copies) == (True, True, 2)
    click(qtbot, pen_box)
    assert not any(widget.isEnabled() for widget in under_pen)
    assert tab.controls.handwriting.options() == HandwritingOptions()  # nothing without pens
    assert "half a minute" in pen_box.toolTip() and "22,000" in pen_box.toolTip()
    assert "background thread" in augment_box.toolTip()
    assert "slashed 0" in styles_box.toolTip()
    assert "22,000 images" in copies_spin.toolTip() and "slant" in reshape_box.toolTip()


def test_a_run_with_pen_digits_and_distortion_trains_on_more_images(
    qtbot, window, tiny_splits, pen_file, monkeypatch
):
    threads = []

    def recorded(*args, **kwargs):
        threads.append(threading.get_ident())
        return training_set(*args, **kwargs)

    monkeypatch.setattr(app.train.training_worker, "training_set", recorded)
    tab = window.training_tab
    tab.controls.handwriting.pen_digits_file = pen_file
    for box in boxes(tab):
        click(qtbot, box)
    soften_box = tab.findChild(QCheckBox, "softenCheck")
    assert not soften_box.isChecked() and "softened" in soften_box.toolTip()
    click(qtbot, soften_box)
    configure(tab, epochs=2, seed="5")
    run_to_end(qtbot, tab)
    assert threads and threads[0] != threading.get_ident()
    options = HandwritingOptions(augment=True, pen_digits=pen_file, styles=True)
    drawn = len(training_set(tiny_splits, options, 5)[0]) - len(tiny_splits.training)
    assert drawn == 20 * 3 + 10
    lines = log_lines(tab)
    options_phrases = (
        "images distorted each epoch, + pen-drawn digits with styled variants, "
        "sketches read softened"
    )
    assert lines[0].endswith(f", seed 5, {options_phrases}")
    assert lines[1] == (
        f"Data: tiny test subset + {drawn} drawn pen digits (pen.tra): {1000 + drawn:,} training, "
        "200 validation, 200 test images"
    )
    assert any(line.startswith("Finished after 2 epoch(s)") for line in lines)
    description = window.model.model.description
    assert description.dataset == f"tiny test subset + {drawn} drawn pen digits (pen.tra)"
    assert description.settings["handwriting"]["augment"] is True
    assert description.sketch_reading == SOFTENED
    assert window.drawing_tab.model.reading == SOFTENED  # the trained model reads as it was told


def test_a_run_with_several_reshaped_drawings_per_width_draws_them_all(
    qtbot, window, pen_file, monkeypatch
):
    asked = []

    def recorded(splits, options, *args, **kwargs):
        asked.append(options)
        return training_set(splits, options, *args, **kwargs)

    monkeypatch.setattr(app.train.training_worker, "training_set", recorded)
    tab = window.training_tab
    tab.controls.handwriting.pen_digits_file = pen_file
    click(qtbot, boxes(tab)[1])
    copies_spin, reshape_box = how_drawn(tab)
    click(qtbot, reshape_box)
    copies_spin.setFocus()
    copies_spin.selectAll()
    qtbot.keyClicks(copies_spin, "3")
    configure(tab, epochs=1, seed="5")
    run_to_end(qtbot, tab)
    lines = log_lines(tab)
    assert lines[0].endswith(", seed 5, + pen-drawn digits (×3, reshaped)")
    assert lines[1].startswith("Data: tiny test subset + 180 drawn pen digits (pen.tra): 1,180")
    assert asked == [HandwritingOptions(pen_digits=pen_file, pen_copies=3, pen_reshape=True)]


def test_the_worker_reports_drawing_and_hands_augment_to_the_trainer(tiny_splits, pen_file):
    options = HandwritingOptions(augment=True, pen_digits=pen_file)
    job = TrainingJob(DataChoice(), (784, 10), TrainingConfig(epochs=1, seed=1), {}, options)
    worker = TrainingWorker(job, loader_for(tiny_splits))
    drawing, loaded = [], []
    worker.rendering_progress.connect(lambda done, total: drawing.append((done, total)))
    worker.data_loaded.connect(loaded.append)
    worker.run()  # in this thread: the signals arrive at once
    assert drawing[0] == (1, 60) and drawing[-1] == (60, 60)
    assert loaded == [
        "tiny test subset + 60 drawn pen digits (pen.tra): 1,060 training, 200 validation, "
        "200 test images"
    ]
    assert worker.trainer.augment is augment


def test_pause_holds_the_drawing_until_resume(qtbot, tiny_splits, pen_file):
    job = TrainingJob(DataChoice(), (784, 10), TrainingConfig(epochs=1), {},
                      HandwritingOptions(pen_digits=pen_file))  # fmt: skip
    worker = TrainingWorker(job, loader_for(tiny_splits))
    drawn, trained = [], []
    worker.rendering_progress.connect(lambda done, total: drawn.append(done))
    worker.finished.connect(trained.append)
    worker.pause()
    runner = threading.Thread(target=worker.run)
    runner.start()
    qtbot.waitUntil(lambda: worker.held, timeout=5000)  # before the first pen digit
    assert drawn == [] and runner.is_alive()
    worker.resume()
    qtbot.waitUntil(lambda: len(trained) == 1, timeout=10_000)
    runner.join(5)
    assert drawn[-1] == 60 and trained[0] is not None


def test_stop_while_drawing_ends_cleanly_without_a_network(qtbot, window, pen_file, monkeypatch):
    drawn, release = [], threading.Event()
    real = nn.handwriting.strokes.render_to_input

    def slow(strokes, width):
        drawn.append(1)
        if len(drawn) > 1:
            release.wait(10)  # the second image waits until Stop was clicked
        return real(strokes, width)

    monkeypatch.setattr(nn.handwriting.strokes, "render_to_input", slow)
    tab = window.training_tab
    tab.controls.handwriting.pen_digits_file = pen_file
    click(qtbot, boxes(tab)[1])
    qtbot.mouseClick(tab.train_button, LEFT)
    label = tab.progress_panel.label
    drawing = re.compile(r"Drawing pen digits… \d+ %")
    qtbot.waitUntil(lambda: drawing.fullmatch(label.text()) is not None, timeout=5000)
    assert not tab.controls.handwriting.isEnabled()
    thread = tab.thread
    with qtbot.waitSignal(tab.running_changed, timeout=5000, check_params_cb=lambda r: not r):
        qtbot.mouseClick(tab.stop_button, LEFT)
        release.set()
    assert len(drawn) == 2  # stopped between two digits, not after all 60
    assert not tab.is_running and tab.worker is None
    assert not shiboken6.isValid(thread) or thread.isFinished()  # ended (maybe deleted already)
    assert window.model.model is None
    assert tab.progress_panel.message_label.text() == (
        "Stopped before any training: the model in use is unchanged."
    )
    assert log_lines(tab)[-1].startswith("Ended without a trained network")
    assert tab.controls.handwriting.isEnabled() and tab.train_button.isEnabled()


def test_a_missing_pen_digit_file_is_reported(qtbot, window, tmp_path):
    tab = window.training_tab
    tab.controls.handwriting.pen_digits_file = tmp_path / "gone.tra.gz"
    click(qtbot, boxes(tab)[1])
    run_to_end(qtbot, tab)
    message = tab.progress_panel.message_label.text()
    assert message.startswith("Could not load the training data: gone.tra.gz: file not found")
    assert window.model.model is None


def test_the_boxes_are_remembered_and_locked_while_training(qtbot, make_window, tiny_splits):
    first = make_window()
    augment_box, pen_box, styles_box = boxes(first.training_tab)
    for box in (augment_box, pen_box, styles_box):
        click(qtbot, box)
    copies_spin, reshape_box = how_drawn(first.training_tab)
    click(qtbot, reshape_box)
    copies_spin.setValue(4)
    click(qtbot, first.training_tab.findChild(QCheckBox, "softenCheck"))
    first.close()
    second = make_window()
    assert second.training_tab.findChild(QCheckBox, "softenCheck").isChecked()
    assert [box.isChecked() for box in boxes(second.training_tab)] == [True, True, True]
    assert boxes(second.training_tab)[2].isEnabled()
    copies_spin, reshape_box = how_drawn(second.training_tab)
    assert copies_spin.value() == 4 and reshape_box.isChecked() and copies_spin.isEnabled()
    assert second.training_tab.controls.values() == first.training_tab.controls.values()

    tab = second.training_tab
    click(qtbot, boxes(tab)[1])  # no pen digits, to keep the run short
    gate = threading.Event()
    tab.data_loader = loader_for(tiny_splits, gate)
    configure(tab, epochs=1)
    qtbot.mouseClick(tab.train_button, LEFT)
    assert not any(box.isEnabled() for box in boxes(tab))
    assert not any(widget.isEnabled() for widget in how_drawn(tab))
    with qtbot.waitSignal(tab.running_changed, timeout=20_000, check_params_cb=lambda r: not r):
        gate.set()
    assert [box.isEnabled() for box in boxes(tab)] == [True, True, False]


def test_settings_of_another_type_are_skipped(window):
    box = window.training_tab.controls.handwriting
    for copies in ("3", 9, 0, True, 2.0):
        box.set_values({"augment": "yes", "pen_digits": 1, "pen_styles": None,
                        "pen_reshape": "on", "pen_copies": copies})  # fmt: skip
        assert box.values() == {"augment": False, "pen_digits": False, "pen_copies": 1,
                                "pen_reshape": False, "pen_styles": False,
                                "soften_sketches": False}  # fmt: skip


def test_the_progress_line_shows_the_drawing(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.show_rendering(2, 5)
    assert panel.label.text() == "Drawing pen digits… 40 %"
    assert (panel.bar.value(), panel.bar.maximum()) == (2, 5)
