"""The Evaluate tab and ``python -m nn evaluate --confusion`` give the same matrix."""

from __future__ import annotations

import numpy as np

from nn.cli import main as cli_main
from nn.weights import save_model
from tests.app.conftest import loader_for
from tests.app.evaluate.conftest import evaluate, tiny_model, window_with_model


def test_the_cli_prints_the_tabs_confusion_matrix(
    qtbot, make_window, sample_splits, tmp_path, capsys
):
    model = tiny_model(seed=11)  # untrained: most cells of the matrix hold something
    weights = tmp_path / "tiny.npz"
    save_model(model, weights)
    window = window_with_model(make_window, model, data_loader=loader_for(sample_splits))
    shown = evaluate(qtbot, window.evaluation_tab).confusion

    assert cli_main(["evaluate", "--weights", str(weights), "--sample", "--confusion"]) == 0
    lines = capsys.readouterr().out.splitlines()
    printed = np.array([[int(count) for count in line.split()] for line in lines[1:11]])

    np.testing.assert_array_equal(printed, shown)
    assert lines[0] == f"{np.trace(shown)} / {len(sample_splits.test)}"
    assert np.count_nonzero(shown) > 20  # a matrix worth comparing, not a diagonal
