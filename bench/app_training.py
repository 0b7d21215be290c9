"""Does the GUI slow training down? ``Trainer.run()`` alone vs the same run in the app.

Runs the same configuration (default [784, 30, 10], mini-batch 10, η = 3, 3 epochs, seed 0) both
ways, interleaved, on full MNIST from ``$MNIST_DIR`` (else the committed sample):

- direct: build the Network and the Trainer and exhaust ``run()`` in this thread;
- app: the real MainWindow (offscreen), Train tab shown, Train pressed, the GUI event loop
  running (progress bar, ETA, plot, log) until the run's thread has ended.

Prints each round, the medians and their ratio (target: app ≤ 1.15 × direct), with the first
layer's unit grid shown (it is redrawn after every epoch). Then times one refresh of the grid as
the worker's signal triggers it, for a default-size first layer (800 units) and the largest the
Train tab allows (5,000): a float32 copy of the weights, the page tiled and painted (target
≤ 30 ms). Then presses Stop mid-epoch a few times and prints how long the stop takes to act: from
the click until the trained network is the model in use (target < 200 ms).
Usage: ``python bench/app_training.py [--rounds 3] [--epochs 3] [--hidden 30] [--sample]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from nn.data.dataset import MnistSplits
from nn.data.mnist import has_mnist_files, load_idx_folder, load_sample
from nn.network import Network
from nn.training import Trainer, TrainingConfig


def load_splits(sample: bool) -> MnistSplits:
    folder = os.environ.get("MNIST_DIR")
    if not sample and folder and has_mnist_files(folder):
        return load_idx_folder(folder)
    return load_sample()


def time_direct(splits: MnistSplits, sizes: list[int], config: TrainingConfig) -> float:
    """Seconds for Network + Trainer + the whole ``run()``, evaluating as the app does."""
    start = time.perf_counter()
    network = Network(sizes, seed=config.seed)
    trainer = Trainer(
        network, splits.training, config, validation=splits.validation, test=splits.test
    )
    for _ in trainer.run():
        pass
    return time.perf_counter() - start


def time_in_app(window: MainWindow, hidden: str, config: TrainingConfig) -> float:
    """Seconds from pressing Train to the end of the run's thread, the event loop running."""
    tab = window.training_tab
    form = tab.form
    form.hidden_edit.setText(hidden)
    form.epochs_spin.setValue(config.epochs)
    form.batch_spin.setValue(config.batch_size)
    form.eta_edit.setText(str(config.eta))
    form.seed_edit.setText(str(config.seed))
    loop = QEventLoop()
    tab.running_changed.connect(loop.quit)
    start = time.perf_counter()
    tab.train_button.click()
    loop.exec()  # quits at running_changed(True) from the click: wait for the run itself
    while tab.is_running:
        loop.exec()
    elapsed = time.perf_counter() - start
    tab.running_changed.disconnect(loop.quit)
    return elapsed


def time_stop(window: MainWindow, hidden: str) -> float:
    """Seconds from clicking Stop mid-epoch until the stopped network is the model in use."""
    tab = window.training_tab
    tab.form.hidden_edit.setText(hidden)
    tab.form.epochs_spin.setValue(5)
    loop = QEventLoop()
    tab.progress_panel.bar.valueChanged.connect(loop.quit)
    tab.train_button.click()
    while tab.progress_panel.bar.value() <= 0:
        loop.exec()  # until the first mini-batches have run
    tab.progress_panel.bar.valueChanged.disconnect(loop.quit)
    window.model.changed.connect(loop.quit)
    start = time.perf_counter()
    tab.stop_button.click()
    loop.exec()
    elapsed = time.perf_counter() - start
    window.model.changed.disconnect(loop.quit)
    while tab.is_running:
        application_process_events()
    return elapsed


def time_grid_refresh(window: MainWindow, units: int, repeats: int = 20) -> float:
    """Median seconds of one grid refresh for a first layer of ``units``: the worker's copy of
    the weights, then :meth:`UnitGrid.show_weights` and a synchronous repaint of the page."""
    grid = window.training_tab.unit_grid
    weights = Network([784, units, 10], seed=0).weights[0]
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        copy = np.array(weights, dtype=np.float32)
        grid.show_weights(copy, f"refresh {repeat}")
        grid.view.repaint()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def application_process_events() -> None:
    QApplication.processEvents()
    time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--hidden", default="30", help="hidden layer sizes, e.g. 30 or 128,64")
    parser.add_argument("--sample", action="store_true", help="use the committed sample")
    args = parser.parse_args()
    splits = load_splits(args.sample)
    sizes = [784, *(int(n) for n in args.hidden.split(",")), 10]
    config = TrainingConfig(epochs=args.epochs, batch_size=10, eta=3.0, seed=0)
    application = QApplication(sys.argv[:1])
    settings = tempfile.TemporaryDirectory()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings.name)
    window = MainWindow(default_model=None, data_loader=lambda *_: splits)
    window.show()
    window.tabs.setCurrentWidget(window.training_tab)
    application.processEvents()
    print(f"{sizes}, mini-batch 10, η = 3, {args.epochs} epochs on {splits!r}")
    if len(splits.training) < 50_000:
        print("note: on the sample an epoch lasts ~40 ms, so the app's fixed costs per run and")
        print("per epoch (start, plot redraw, end) weigh far more than on full MNIST")
    direct, in_app = [], []
    for round_number in range(1, args.rounds + 1):
        direct.append(time_direct(splits, sizes, config))
        in_app.append(time_in_app(window, args.hidden, config))
        print(f"round {round_number}: direct {direct[-1]:.2f} s   app {in_app[-1]:.2f} s")
    d, a = statistics.median(direct), statistics.median(in_app)
    grid = window.training_tab.unit_grid
    print(f"unit grid shown: {grid.isVisible()}, {grid.caption.text()}")
    print(f"median: direct {d:.2f} s   app {a:.2f} s   ratio app/direct {a / d:.3f}")
    for units in (800, 5000):
        refresh = time_grid_refresh(window, units) * 1000
        print(f"unit grid refresh, {units} units: median {refresh:.1f} ms (target ≤ 30 ms)")
    stops = sorted(time_stop(window, args.hidden) * 1000 for _ in range(5))
    print(
        f"stop → model in use: median {stops[2]:.0f} ms, worst {stops[-1]:.0f} ms of 5"
        " (target < 200 ms)"
    )
    window.close()
    settings.cleanup()


if __name__ == "__main__":
    main()
