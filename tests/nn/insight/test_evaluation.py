"""An evaluation against plain loops over ``network.predict``, and the count the CLI prints."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from nn.data.dataset import MnistSplits
from nn.data.mnist import load_idx_folder
from nn.insight.evaluation import (
    PIECE,
    Evaluation,
    EvaluationStopped,
    evaluate_network,
)
from nn.insight.projection import last_hidden
from nn.network import Network
from nn.paths import bundled_file
from tests.nn.insight.conftest import reports_until_stopped


@pytest.fixture(scope="module")
def evaluation(trained: Network, sample: MnistSplits) -> Evaluation:
    return evaluate_network(trained, sample.test.images, sample.test.labels)


def _predicted(network: Network, images: np.ndarray) -> list[int]:
    return [int(np.argmax(network.predict(image))) for image in images]


def test_the_confusion_matrix_counts_each_image_once_by_true_digit_and_answer(
    trained: Network, sample: MnistSplits, evaluation: Evaluation
) -> None:
    expected = np.zeros((10, 10), np.int64)
    for label, answer in zip(sample.test.labels, _predicted(trained, sample.test.images)):
        expected[label, answer] += 1
    assert evaluation.confusion.dtype == np.int64
    assert (evaluation.confusion == expected).all()
    assert (evaluation.confusion.sum(axis=1) == np.bincount(sample.test.labels, minlength=10)).all()


def test_the_right_answers_are_the_count_network_evaluate_gives(
    trained: Network, sample: MnistSplits, evaluation: Evaluation
) -> None:
    correct = trained.evaluate(sample.test.images, sample.test.labels)
    assert 0 < correct < len(sample.test)  # some right, some wrong: the test means something
    assert np.trace(evaluation.confusion) == evaluation.correct == correct
    assert evaluation.total == len(sample.test)
    assert evaluation.accuracy == correct / len(sample.test)


def test_outputs_answers_and_confidence_are_the_networks(
    trained: Network, sample: MnistSplits, evaluation: Evaluation
) -> None:
    outputs = trained.predict(sample.test.images)
    assert evaluation.outputs.dtype == np.float32
    assert evaluation.labels.dtype == evaluation.answers.dtype == np.int64
    np.testing.assert_array_equal(evaluation.outputs, outputs)
    np.testing.assert_array_equal(evaluation.labels, sample.test.labels)
    np.testing.assert_array_equal(evaluation.answers, _predicted(trained, sample.test.images))
    np.testing.assert_array_equal(evaluation.confidence, outputs.max(axis=1))


def test_per_digit_accuracy_is_each_rows_share_of_right_answers(
    trained: Network, sample: MnistSplits
) -> None:
    without_threes = sample.test.labels != 3
    images, labels = sample.test.images[without_threes], sample.test.labels[without_threes]
    evaluation = evaluate_network(trained, images, labels)
    answers = _predicted(trained, images)
    for digit in range(10):
        mine = [a == d for a, d in zip(answers, labels) if d == digit]
        if digit == 3:
            assert np.isnan(evaluation.per_digit_accuracy[digit])
        else:
            assert evaluation.per_digit_accuracy[digit] == pytest.approx(sum(mine) / len(mine))


def test_a_cell_holds_exactly_the_images_of_that_digit_given_that_answer(
    trained: Network, sample: MnistSplits, evaluation: Evaluation
) -> None:
    answers = _predicted(trained, sample.test.images)
    seen = []
    for true_digit in range(10):
        for answer in range(10):
            expected = [
                i
                for i, (d, a) in enumerate(zip(sample.test.labels, answers))
                if d == true_digit and a == answer
            ]
            cell = evaluation.cell(true_digit, answer)
            assert cell.tolist() == expected
            assert len(cell) == evaluation.confusion[true_digit, answer]
            seen += expected
    assert sorted(seen) == list(range(len(sample.test)))
    with pytest.raises(ValueError, match="digit 0-9"):
        evaluation.cell(10, 0)


def test_mistakes_are_exactly_the_wrong_answers_most_confident_first(
    trained: Network, sample: MnistSplits, evaluation: Evaluation
) -> None:
    outputs = trained.predict(sample.test.images)
    wrong = [i for i, o in enumerate(outputs) if np.argmax(o) != sample.test.labels[i]]
    confidence = [outputs[i].max() for i in evaluation.mistakes()]
    assert sorted(evaluation.mistakes().tolist()) == wrong
    assert all(a >= b for a, b in itertools.pairwise(confidence))
    assert evaluation.mistakes("index").tolist() == wrong


def test_mistakes_by_true_digit_are_grouped_and_most_confident_first_within(
    sample: MnistSplits, evaluation: Evaluation
) -> None:
    order = evaluation.mistakes("true digit")
    assert sorted(order.tolist()) == evaluation.mistakes("index").tolist()
    digits = sample.test.labels[order]
    assert (np.diff(digits.astype(int)) >= 0).all()
    for digit in range(10):
        confidence = evaluation.confidence[order[digits == digit]]
        assert (np.diff(confidence) <= 0).all()
    with pytest.raises(ValueError, match="confidence, index, true digit"):
        evaluation.mistakes("size")


def test_the_map_places_each_image_by_its_last_hidden_layer(
    trained: Network, sample: MnistSplits, evaluation: Evaluation
) -> None:
    hidden = last_hidden(trained, sample.test.images)
    assert evaluation.projection.shape == (len(sample.test), 2)
    assert evaluation.projection.dtype == np.float64
    np.testing.assert_allclose(evaluation.projection, evaluation.map.place(hidden), atol=1e-9)
    assert evaluation.map.units == 12


def test_progress_is_reported_after_each_piece(trained: Network, sample: MnistSplits) -> None:
    count = 2 * PIECE + PIECE // 2
    reports: list[tuple[int, int]] = []
    evaluate_network(
        trained, sample.training.images[:count], sample.training.labels[:count],
        progress=lambda done, total: reports.append((done, total)),
    )  # fmt: skip
    assert reports == [(PIECE, count), (2 * PIECE, count), (count, count)]


def test_a_stop_request_is_heard_between_pieces(trained: Network, sample: MnistSplits) -> None:
    images, labels = sample.training.images, sample.training.labels
    reports = reports_until_stopped(functools.partial(evaluate_network, trained, images, labels), 2)
    assert reports == [PIECE, 2 * PIECE]
    with pytest.raises(EvaluationStopped):
        evaluate_network(trained, sample.test.images, sample.test.labels, should_stop=lambda: True)


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((3, 783)), np.zeros(3, int), "images must be"),
        (np.zeros((3, 784)), np.zeros(2, int), "labels"),
        (np.zeros((3, 784)), np.array([0, 1, 10]), "0-9"),
        (np.zeros((3, 784)), np.array([0.0, 1.0, 2.0]), "0-9"),
        (np.zeros((0, 784)), np.zeros(0, int), "no images"),
    ],
)
def test_bad_input_is_a_clear_value_error(
    trained: Network, images: np.ndarray, labels: np.ndarray, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate_network(trained, images, labels)


def test_a_float64_network_gives_float32_outputs_and_its_own_answers(
    sample: MnistSplits,
) -> None:
    network = Network([784, 8, 10], seed=2, dtype=np.float64)
    images, labels = sample.test.images[:300], sample.test.labels[:300]
    evaluation = evaluate_network(network, images, labels)
    assert evaluation.outputs.dtype == np.float32
    assert evaluation.correct == network.evaluate(images, labels)


def test_a_network_without_hidden_layers_is_mapped_by_its_pixels(sample: MnistSplits) -> None:
    network = Network([784, 10], seed=3)
    evaluation = evaluate_network(network, sample.test.images[:50], sample.test.labels[:50])
    assert evaluation.map.units == 784


def test_an_evaluation_built_without_answers_takes_them_from_the_outputs(
    evaluation: Evaluation,
) -> None:
    rebuilt = Evaluation(
        evaluation.labels, evaluation.outputs, evaluation.confusion, evaluation.projection,
        evaluation.map,
    )  # fmt: skip
    np.testing.assert_array_equal(rebuilt.answers, evaluation.answers)
    with pytest.raises(ValueError, match="outputs"):
        Evaluation(evaluation.labels[:5], evaluation.outputs, evaluation.confusion,
                   evaluation.projection, evaluation.map)  # fmt: skip


@pytest.mark.mnist
def test_the_default_model_on_mnist_agrees_with_network_evaluate(mnist_dir) -> None:
    from nn.weights import load_model

    network = load_model(bundled_file("resources/default-model.npz")).network
    test = load_idx_folder(mnist_dir).test
    evaluation = evaluate_network(network, test.images, test.labels)
    assert evaluation.correct == network.evaluate(test.images, test.labels)
    assert evaluation.total == 10_000
    assert len(evaluation.mistakes()) == 10_000 - evaluation.correct
