"""The Train tab driven through its widgets: runs on small data, pause, stop, errors, validation."""

from __future__ import annotations

import re
import select
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.train.accuracy_plot import AccuracyPlot
from app.train.data_source import FOLDER, SAMPLE, DataChoice, load_data
from app.train.time_left import TimeLeftEstimator, describe_seconds_left
from nn.data.download import DownloadCancelledError, DownloadError, download_mnist
from nn.data.idx import DataError
from nn.training import EpochResult, TrainingConfig
from tests.app.conftest import loader_for
from tests.app.train.conftest import LEFT, configure, log_lines, run_to_end


def test_defaults_are_the_seeds_configuration(window):
    sizes, options, config = window.training_tab.form.parse()
    assert sizes == (784, 30, 10)
    assert options == {"hidden_activation": "sigmoid", "output_activation": "sigmoid",
                       "cost": "quadratic", "init": "normal", "seed": None}  # fmt: skip
    assert config == TrainingConfig(epochs=30, batch_size=10, eta=3.0, lmbda=0.0, momentum=0.0)
    assert window.training_tab.dataset_chooser.choice() == DataChoice(SAMPLE)
    assert window.training_tab.train_button.isEnabled()


def test_a_run_fills_the_plot_and_the_log_and_becomes_the_model(qtbot, window, tiny_splits):
    tab = window.training_tab
    gate = threading.Event()
    tab.data_loader = loader_for(tiny_splits, gate)
    configure(tab, epochs=3, seed="1")
    qtbot.mouseClick(tab.train_button, LEFT)
    assert tab.is_running and not tab.train_button.isEnabled() and tab.stop_button.isEnabled()
    with (
        qtbot.waitSignal(tab.running_changed, timeout=20_000, check_params_cb=lambda r: not r),
        qtbot.waitSignal(tab.epoch_finished, timeout=10_000) as first,
    ):
        gate.set()
    assert first.args[0].epoch == 0
    for curve in (tab.plot.validation_curve, tab.plot.test_curve, tab.plot.loss_curve):
        x, y = curve.getData()
        assert list(x) == [0, 1, 2] and len(y) == 3
    epochs = [line for line in log_lines(tab) if re.fullmatch(r"Epoch \d: \d+ / 200", line)]
    assert [line.split(":")[0] for line in epochs] == ["Epoch 0", "Epoch 1", "Epoch 2"]
    assert any(line.startswith("Finished after 3 epoch(s)") for line in log_lines(tab))
    assert window.model.model is not None
    assert window.model.model.description.epochs == 3
    assert window.drawing_tab.model is window.model.model
    assert re.fullmatch(r"trained just now — \[784, 30, 10\] — \d+\.\d % test",
                        window.model_label.text())  # fmt: skip
    assert window.save_action.isEnabled() and tab.train_button.isEnabled()


def test_the_plot_is_cleared_when_a_new_run_starts(qtbot, window):
    tab = window.training_tab
    configure(tab, epochs=2)
    run_to_end(qtbot, tab)
    configure(tab, epochs=1)
    run_to_end(qtbot, tab)
    assert len(tab.plot.test_curve.getData()[0]) == 1


def test_pause_holds_training_and_resume_finishes_it(qtbot, qapp, window, sample_splits):
    tab = window.training_tab
    tab.data_loader = loader_for(sample_splits)  # 5,000 images: ~40 ms per epoch
    configure(tab, epochs=12)
    with qtbot.waitSignal(tab.epoch_finished, timeout=10_000):
        qtbot.mouseClick(tab.train_button, LEFT)
    qtbot.mouseClick(tab.pause_button, LEFT)
    assert tab.pause_button.text() == "Resume"
    worker = tab.worker
    qtbot.waitUntil(lambda: worker.held, timeout=5000)  # at the next mini-batch boundary
    qapp.processEvents()  # what the worker reported before it was held
    assert "paused" in tab.progress_panel.label.text()
    assert tab.is_running and worker.held
    with qtbot.waitSignal(tab.running_changed, timeout=20_000, check_params_cb=lambda r: not r):
        qtbot.mouseClick(tab.pause_button, LEFT)
    assert tab.pause_button.text() == "Pause"
    assert "Finished after 12 epoch(s)" in tab.log.toPlainText()
    assert window.model.model.description.stopped_early is False


def test_stop_mid_epoch_keeps_the_partly_trained_network(qtbot, window, sample_splits):
    tab = window.training_tab
    tab.data_loader = loader_for(sample_splits)
    configure(tab, epochs=5, batch_size=1)  # 5,000 steps per epoch: ~0.4 s
    qtbot.mouseClick(tab.train_button, LEFT)
    qtbot.waitUntil(lambda: tab.progress_panel.bar.value() > 0, timeout=10_000)
    with qtbot.waitSignal(window.model.changed, timeout=5000):
        qtbot.mouseClick(tab.stop_button, LEFT)
    # Stop acted between mini-batches: the first epoch never completed (its latency: bench/).
    qtbot.waitUntil(lambda: not tab.is_running, timeout=5000)
    assert window.model.model is not None
    description = window.model.model.description
    assert description.epochs == 0 and description.stopped_early
    assert window.model_label.text().startswith("trained just now — [784, 30, 10] — ")
    assert "Stopped after 0 epoch(s)" in tab.log.toPlainText()


def test_a_diverging_run_is_reported_in_the_tab(qtbot, window):
    tab = window.training_tab
    configure(tab, hidden="128,64", activation="relu", output_cost="softmax/cross-entropy",
              eta="1000", seed="1", epochs=3)  # fmt: skip
    run_to_end(qtbot, tab)
    message = tab.progress_panel.message_label.text()
    assert message.startswith("Training diverged at epoch 0: learning rate too large")
    assert "Training diverged at epoch 0" in tab.log.toPlainText()
    assert window.model.model is None  # the NaN network is not used
    assert tab.train_button.isEnabled() and not tab.stop_button.isEnabled()


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("eta", "-1", "learning rate η must be a positive number"),
        ("eta", "fast", "learning rate η: 'fast' is not a number"),
        ("hidden", "0", "every layer needs at least one neuron"),
        ("hidden", "30,x", "'x' is not a whole number"),
        ("momentum", "1", "momentum must be in [0, 1)"),
        ("lmbda", "-2", "L2 strength λ must be ≥ 0"),
        ("seed", "-3", "seed must be a whole number"),
    ],
)
def test_a_bad_value_disables_train_with_a_message(window, field, text, message):
    tab = window.training_tab
    configure(tab, **{field: text})
    assert not tab.train_button.isEnabled()
    label = tab.controls.validation_label
    assert message in label.text() and not label.isHidden()
    configure(tab, hidden="128,64", eta="0.5", momentum="0.9", lmbda="5", seed="7")
    assert tab.train_button.isEnabled() and label.isHidden()


def answer_folder_dialogs(monkeypatch, folder: str) -> None:
    """Make the folder dialog return ``folder`` at once ("" as when cancelled)."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *args: folder))


def test_a_folder_choice_needs_a_folder(window, tmp_path, monkeypatch):
    chooser = window.training_tab.dataset_chooser
    answer_folder_dialogs(monkeypatch, "")
    chooser.buttons[FOLDER].click()
    assert not window.training_tab.train_button.isEnabled()
    answer_folder_dialogs(monkeypatch, str(tmp_path))
    assert chooser.choose_folder()
    assert chooser.choice() == DataChoice(FOLDER, str(tmp_path))
    assert window.training_tab.train_button.isEnabled()


def test_a_data_error_offers_to_pick_a_folder(qtbot, window, tmp_path, monkeypatch):
    def offline(choice, on_download_progress, should_stop):
        raise DataError("cannot download MNIST: no network connection")

    tab = window.training_tab
    tab.data_loader = offline
    run_to_end(qtbot, tab)
    message = tab.progress_panel.message_label.text()
    assert (
        message == "Could not load the training data: cannot download MNIST: no network connection"
    )
    assert not tab.progress_panel.pick_folder_button.isHidden()
    answer_folder_dialogs(monkeypatch, str(tmp_path))
    qtbot.mouseClick(tab.progress_panel.pick_folder_button, LEFT)
    assert tab.dataset_chooser.choice().kind == FOLDER
    assert tab.progress_panel.pick_folder_button.isHidden()


def test_closing_the_window_mid_training_stops_the_thread(qtbot, make_window, sample_splits):
    window = make_window()
    tab = window.training_tab
    tab.data_loader = loader_for(sample_splits)
    configure(tab, epochs=30, batch_size=1)
    qtbot.mouseClick(tab.train_button, LEFT)
    qtbot.waitUntil(lambda: tab.progress_panel.bar.value() > 0, timeout=10_000)
    thread = tab.thread
    window.close()  # stop → quit → wait: returns once the thread has ended
    assert thread.isFinished()


def test_the_worker_loads_and_trains_outside_the_gui_thread(qtbot, window, tiny_splits):
    threads = []

    def load(choice, on_download_progress, should_stop):
        threads.append(threading.get_ident())
        return tiny_splits

    window.training_tab.data_loader = load
    configure(window.training_tab, epochs=1)
    run_to_end(qtbot, window.training_tab)
    assert threads and threads[0] != threading.get_ident()


def test_settings_are_remembered(qtbot, make_window):
    first = make_window()
    configure(first.training_tab, hidden="100", eta="0.5", epochs=7, seed="3",
              output_cost="sigmoid/cross-entropy", schedule="cosine")  # fmt: skip
    first.close()
    second = make_window()
    assert second.training_tab.controls.values() == first.training_tab.controls.values()
    assert second.training_tab.form.parse()[0] == (784, 100, 10)
    assert second.training_tab.form.parse()[2].schedule == "cosine"


def test_a_cosine_schedule_chosen_with_the_keyboard_reaches_the_run(qtbot, window):
    tab = window.training_tab
    configure(tab, epochs=1, seed="4")
    tab.form.schedule_combo.setFocus()
    qtbot.keyClick(tab.form.schedule_combo, Qt.Key.Key_Down)
    assert tab.form.parse()[2].schedule == "cosine"
    run_to_end(qtbot, tab)
    assert "η = 3 annealed (cosine)," in log_lines(tab)[0]


def test_the_default_loader_reads_the_committed_sample():
    splits = load_data(DataChoice(SAMPLE))
    assert (len(splits.training), len(splits.validation), len(splits.test)) == (5000, 1000, 1000)


def test_eta_estimates_from_progress_then_from_finished_epochs():
    eta = TimeLeftEstimator(epochs=4, now=0.0)
    assert eta.seconds_left(0.0) is None
    eta.update(50, 100, now=5.0)  # half an epoch in 5 s: 5 s + 3 epochs of 10 s
    assert eta.seconds_left(5.0) == pytest.approx(35.0)
    eta.pause(5.0)
    eta.resume(65.0)  # a minute paused does not count
    assert eta.seconds_left(65.0) == pytest.approx(35.0)
    eta.finish_epoch(8.0, now=70.0)
    assert eta.seconds_left(70.0) == pytest.approx(24.0)
    assert [describe_seconds_left(s) for s in (3, 42, 150, 7200)] == [
        "a few seconds left", "about 40 s left", "about 2 min left", "about 2.0 h left"
    ]  # fmt: skip


def test_a_download_shows_its_bytes(qtbot, window, tiny_splits):
    gate = threading.Event()

    def download(choice, on_download_progress, should_stop):
        on_download_progress(5_000_000, 11_000_000)
        gate.wait(10)
        return tiny_splits

    tab = window.training_tab
    tab.data_loader = download
    configure(tab, epochs=1)
    qtbot.mouseClick(tab.train_button, LEFT)
    label = tab.progress_panel.label
    qtbot.waitUntil(lambda: label.text() == "downloading MNIST · 5.0 / 11.0 MB", timeout=5000)
    assert tab.progress_panel.bar.value() == 5_000_000
    with qtbot.waitSignal(tab.running_changed, timeout=10_000, check_params_cb=lambda r: not r):
        gate.set()
    assert window.model.model.description.dataset == "tiny test subset"


def test_closing_while_paused_ends_the_thread(qtbot, make_window, sample_splits):
    window = make_window()
    tab = window.training_tab
    tab.data_loader = loader_for(sample_splits)
    configure(tab, epochs=30)
    with qtbot.waitSignal(tab.epoch_finished, timeout=10_000):
        qtbot.mouseClick(tab.train_button, LEFT)
    qtbot.mouseClick(tab.pause_button, LEFT)
    thread = tab.thread
    window.close()
    assert thread.isFinished()


def test_the_log_describes_the_run(qtbot, window):
    tab = window.training_tab
    configure(tab, epochs=1, seed="4", lmbda="0.5")
    run_to_end(qtbot, tab)
    first = log_lines(tab)[0]
    assert first == (
        "Started: [784, 30, 10], sigmoid hidden, sigmoid output, quadratic cost, N(0, 1) init, "
        "η = 3, mini-batch 10, 1 epoch, λ = 0.5, seed 4"
    )
    assert (
        log_lines(tab)[1]
        == "Data: tiny test subset: 1,000 training, 200 validation, 200 test images"
    )


def test_the_plot_redraws_at_most_four_times_a_second(qtbot):
    plot = AccuracyPlot()
    qtbot.addWidget(plot)

    def result(epoch: int) -> EpochResult:
        return EpochResult(epoch, 0.5 / (epoch + 1), 80 + epoch, 100, 81 + epoch, 100, 0.01)

    plot.add_epoch(result(0))  # the first point shows at once
    assert list(plot.test_curve.getData()[1]) == [81.0]
    plot.add_epoch(result(1))  # a quick second one waits for the next redraw
    assert len(plot.test_curve.getData()[0]) == 1
    qtbot.waitUntil(lambda: len(plot.test_curve.getData()[0]) == 2, timeout=2000)
    assert list(plot.validation_curve.getData()[1]) == [80.0, 81.0]
    plot.clear_run()
    assert (
        len(plot.loss_curve.getData()[0] if plot.loss_curve.getData()[0] is not None else []) == 0
    )


def test_a_run_stuck_at_chance_gets_a_hint_once(qtbot, window, sample_splits):
    """Sigmoid units with η = 1000 saturate: no NaN, only 10 % accuracy; the user is told why."""
    tab = window.training_tab
    tab.data_loader = loader_for(sample_splits)

    def hints() -> int:
        return sum("stuck near chance" in line for line in log_lines(tab))

    configure(tab, eta="1000", epochs=3, seed="0")
    run_to_end(qtbot, tab)
    assert hints() == 1

    configure(tab, eta="3.0")
    run_to_end(qtbot, tab)
    assert hints() == 1  # a healthy run adds none


def test_train_and_its_message_stay_in_view_in_a_small_window(qtbot, window):
    tab = window.training_tab
    window.tabs.setCurrentWidget(tab)
    window.resize(900, 420)  # the inputs no longer fit: they scroll, the buttons do not
    qtbot.waitUntil(lambda: tab.height() < 400)
    scroll_bar = tab.controls.parentWidget().parentWidget().verticalScrollBar()
    assert scroll_bar.maximum() > 0
    configure(tab, eta="fast")
    message = tab.controls.validation_label
    qtbot.waitUntil(lambda: not message.visibleRegion().isEmpty())
    assert "learning rate η: 'fast' is not a number" in message.text()
    assert not tab.train_button.visibleRegion().isEmpty()
    assert not tab.train_button.isEnabled()


# ---- Stop and closing while a download stalls, closing mid-run


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A socket listening on 127.0.0.1 that never accepts: the system completes each
    connection, and nothing is ever sent on it. Closed at the end of the test."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield listener
    listener.close()


def _waiting_connection(listener: socket.socket) -> bool:
    """True once a connection to ``listener`` is waiting to be accepted."""
    return bool(select.select([listener], [], [], 0)[0])


def _downloading_from(listener: socket.socket, folder: Path, ended: list) -> Callable:
    """A data loader that downloads MNIST from ``listener`` into ``folder`` as the Train tab's own
    loader does, and records in ``ended`` how the download ended."""
    mirror = f"http://127.0.0.1:{listener.getsockname()[1]}/"

    def load(choice, on_download_progress, should_stop):
        try:
            download_mnist(folder, on_download_progress, [mirror], should_stop=should_stop)
        except DownloadError as error:
            ended.append(error)
            raise
        raise AssertionError("a server that sends nothing cannot complete a download")

    return load


def test_stop_ends_a_download_from_a_server_that_sends_nothing(
    qtbot, window, silent_server, tmp_path
):
    """The download gives such a server 30 s; Stop must not wait for that."""
    tab = window.training_tab
    ended: list[DownloadError] = []
    folder = tmp_path / "mnist"
    tab.data_loader = _downloading_from(silent_server, folder, ended)
    qtbot.mouseClick(tab.train_button, LEFT)
    qtbot.waitUntil(lambda: _waiting_connection(silent_server), timeout=5000)
    with qtbot.waitSignal(tab.running_changed, timeout=5000, check_params_cb=lambda r: not r):
        qtbot.mouseClick(tab.stop_button, LEFT)
    assert [type(error) for error in ended] == [DownloadCancelledError]
    assert "Stopped before any training" in tab.progress_panel.message_label.text()
    assert list(folder.iterdir()) == []  # no partial file left


def test_closing_the_window_ends_a_stalled_download(qtbot, make_window, silent_server, tmp_path):
    window = make_window()
    tab = window.training_tab
    ended: list[DownloadError] = []
    tab.data_loader = _downloading_from(silent_server, tmp_path / "mnist", ended)
    qtbot.mouseClick(tab.train_button, LEFT)
    qtbot.waitUntil(lambda: _waiting_connection(silent_server), timeout=5000)
    thread = tab.thread
    window.close()  # returns once the thread has ended
    assert thread.isFinished()
    assert [type(error) for error in ended] == [DownloadCancelledError]


def test_closing_the_window_mid_run_hands_nothing_over(qtbot, make_window, sample_splits):
    """Closing abandons the run: what was trained is neither scored nor put in use, so closing
    waits only for the piece of work under way."""
    window = make_window()
    tab = window.training_tab
    tab.data_loader = loader_for(sample_splits)
    configure(tab, epochs=1000)
    with qtbot.waitSignal(tab.epoch_finished, timeout=10_000):
        qtbot.mouseClick(tab.train_button, LEFT)
    thread = tab.thread
    window.close()
    assert thread.isFinished()
    qtbot.waitUntil(lambda: "Ended without a trained network" in tab.log.toPlainText())
    assert window.model.model is None


def test_a_large_stopped_network_is_scored_on_every_kth_test_image(
    qtbot, window, sample_splits, monkeypatch
):
    """Scoring a stopped network is kept short: here the budget covers a quarter of the 1,000
    test images, so every 4th is scored, and the model says it was scored on 250 images."""
    from app.train import training_worker

    parameters = (784 + 1) * 30 + (30 + 1) * 10
    monkeypatch.setattr(training_worker, "STOPPED_SCORING_WORK", 250 * parameters)
    tab = window.training_tab
    tab.data_loader = loader_for(sample_splits)
    configure(tab, epochs=5, batch_size=1)
    qtbot.mouseClick(tab.train_button, LEFT)
    qtbot.waitUntil(lambda: tab.progress_panel.bar.value() > 0, timeout=10_000)
    with qtbot.waitSignal(window.model.changed, timeout=5000):
        qtbot.mouseClick(tab.stop_button, LEFT)
    model = window.model.model
    assert model.description.test_images == 250 and model.description.stopped_early
    test = sample_splits.test
    right = model.network.evaluate(test.images[::4], test.labels[::4])
    assert model.description.test_correct == right
    assert f"{100 * right / 250:.1f} % on 250 test images" in tab.log.toPlainText()
