"""Adapting a model to a person's digits: it learns their hand, reports true figures, stops."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nn.data.mnist import load_sample
from nn.data.pendigits import load_pendigits
from nn.description import ModelDescription
from nn.handwriting.strokes import place_on_canvas, render_strokes
from nn.model import Model
from nn.network import Network
from nn.personal.adapt import (
    DEFAULT_SETTINGS,
    AdaptationStopped,
    AdaptReport,
    adapt,
    adapted_digits,
    redraw,
    trimmed,
    wobbled,
)
from nn.personal.store import PersonalDigits
from nn.sketch.reading import SOFTENED
from nn.sketch.recipe import sketch_to_mnist
from nn.sketch.stroke_memory import StrokeMemory, trajectory
from nn.training import Trainer, TrainingConfig
from nn.weights import load_model, save_model

QUICK = replace(DEFAULT_SETTINGS, copies=10, steps=80, final_steps=30)
"""Fewer drawings than a user gets, so the tests stay quick; the same code."""


@pytest.fixture(scope="module")
def sample():
    return load_sample()


@pytest.fixture(scope="module")
def tiny(sample) -> Model:
    """A small network trained briefly on the committed sample, reading sketches softened."""
    network = Network([784, 40, 10], hidden_activation="relu", output_activation="softmax",
                      cost="cross-entropy", init="scaled", seed=1)  # fmt: skip
    config = TrainingConfig(epochs=4, batch_size=20, eta=0.1, momentum=0.9, seed=1)
    for _ in Trainer(network, sample.training, config).run():
        pass
    description = ModelDescription(dataset="committed sample", trained_with="a test",
                                   front_end="bench", sketch_reading=SOFTENED)  # fmt: skip
    return Model(network, description)


def _mirrored(images: np.ndarray) -> np.ndarray:
    """The digits written mirror-wise, a hand the network never saw: ``(n, 784)``."""
    return images.reshape(-1, 28, 28)[:, :, ::-1].reshape(-1, 784).copy()


def _mirror_hand(sample, per_digit: int, skip: int = 0) -> PersonalDigits:
    """``per_digit`` mirrored test images of each digit (after the first ``skip``), labelled."""
    images, labels = _mirrored(sample.test.images), sample.test.labels
    chosen = np.concatenate([np.flatnonzero(labels == d)[skip : skip + per_digit]
                             for d in range(10)])  # fmt: skip
    return PersonalDigits(images[chosen], labels[chosen])


def _accuracy(model: Model, images: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(model.predict_as_read(images).argmax(axis=1) == labels))


def test_a_hand_the_model_misreads_is_learnt_without_forgetting_mnist(tiny, sample) -> None:
    mine = _mirror_hand(sample, per_digit=6)
    later = _mirror_hand(sample, per_digit=20, skip=6)  # the same hand, other drawings
    adapted, report = adapt(tiny, mine, sample.training, sample.test, seed=3, settings=QUICK)
    before = _accuracy(tiny, later.images, later.labels)
    after = _accuracy(adapted, later.images, later.labels)
    assert before < 0.4
    assert after > before + 0.1
    assert report.mnist_after > report.mnist_before - 0.05
    assert report.examples == len(mine)


def test_the_reported_figures_are_the_models_accuracies(tiny, sample) -> None:
    mine = _mirror_hand(sample, per_digit=4)
    settings = replace(QUICK, final_steps=0)  # the returned model is the one measured
    adapted, report = adapt(tiny, mine, sample.training, sample.test, seed=5, settings=settings)
    held = list(report.held_back_indices)
    assert report.held_back == len(held) == 10  # one of each digit given twice or more
    assert sorted(mine.labels[held].tolist()) == list(range(10))
    assert report.personal_before == _accuracy(tiny, mine.images[held], mine.labels[held])
    assert report.personal_after == _accuracy(adapted, mine.images[held], mine.labels[held])
    test = sample.test
    assert report.mnist_before == np.mean(
        tiny.network.predict(test.images).argmax(1) == test.labels
    )
    assert report.mnist_after == np.mean(
        adapted.network.predict(test.images).argmax(1) == test.labels
    )
    assert report.mnist_images == len(test)
    assert report.mnist_drop_points == pytest.approx(
        100 * (report.mnist_before - report.mnist_after)
    )


def test_the_held_back_digits_are_taught_after_they_are_measured(tiny, sample) -> None:
    mine = _mirror_hand(sample, per_digit=3)
    kept_out = replace(QUICK, final_steps=0)
    _, report = adapt(tiny, mine, sample.training, sample.test, seed=5, settings=kept_out)
    both, report_both = adapt(tiny, mine, sample.training, sample.test, seed=5, settings=QUICK)
    assert report_both.personal_after == report.personal_after  # measured before they are taught
    held = list(report_both.held_back_indices)
    assert _accuracy(both, mine.images[held], mine.labels[held]) >= report.personal_after
    assert report_both.mnist_after == np.mean(
        both.network.predict(sample.test.images).argmax(1) == sample.test.labels
    )


def test_without_a_digit_given_twice_nothing_is_held_back(tiny, sample) -> None:
    mine = _mirror_hand(sample, per_digit=1)
    _, report = adapt(tiny, mine, sample.training, sample.test, settings=QUICK)
    assert report.held_back == 0
    assert report.personal_before is None and report.personal_after is None
    assert "none" in report.lines()[1]


def test_the_base_model_is_untouched_and_a_seed_repeats_the_result(tiny, sample) -> None:
    mine = _mirror_hand(sample, per_digit=2)
    layers = [layer.copy() for layer in tiny.network.layers]
    first, _ = adapt(tiny, mine, sample.training, sample.test, seed=9, settings=QUICK)
    second, _ = adapt(tiny, mine, sample.training, sample.test, seed=9, settings=QUICK)
    for before, now in zip(layers, tiny.network.layers, strict=True):
        assert np.array_equal(before, now)
    for a, b in zip(first.network.layers, second.network.layers, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(first.network.layers[0], layers[0])  # both layers were taught


def test_the_adapted_model_says_so_and_keeps_it_through_its_weight_file(
    tiny, sample, tmp_path: Path
) -> None:
    mine = _mirror_hand(sample, per_digit=2)
    adapted, report = adapt(tiny, mine, sample.training, sample.test, settings=QUICK)
    description = adapted.description
    assert adapted_digits(description) == 20
    assert adapted_digits(tiny.description) is None
    assert "20 of the user's own digits" in description.dataset
    assert description.sketch_reading == tiny.description.sketch_reading
    assert description.test_accuracy == report.mnist_after
    save_model(adapted, tmp_path / "mine.npz")
    loaded = load_model(tmp_path / "mine.npz")
    assert adapted_digits(loaded.description) == 20
    assert loaded.description.replace(saved_at="") == description.replace(saved_at="")
    again, _ = adapt(loaded, mine.subset(range(5)), sample.training, sample.test, settings=QUICK)
    assert adapted_digits(again.description) == 5
    assert again.description.extra["adapted"]["times"] == 2


def test_should_stop_stops_and_progress_counts_up_to_its_total(tiny, sample) -> None:
    mine = _mirror_hand(sample, per_digit=2)
    seen: list[tuple[int, int]] = []
    adapt(tiny, mine, sample.training, sample.test, settings=QUICK,
          progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1][0] == seen[-1][1]
    assert len({t for _, t in seen}) == 1
    for after in (0, 5, 60):
        asked: list[int] = []

        def stop(after: int = after, asked: list[int] = asked) -> bool:
            asked.append(1)
            return len(asked) > after

        with pytest.raises(AdaptationStopped):
            adapt(tiny, mine, sample.training, sample.test, settings=QUICK, should_stop=stop)
        assert len(asked) == after + 1  # nothing more was done once it said stop


def test_no_digits_is_a_clear_error(tiny, sample) -> None:
    with pytest.raises(ValueError, match="no digits"):
        adapt(tiny, PersonalDigits.empty(), sample.training, sample.test)


def _pen_hand(pen_file: Path) -> PersonalDigits:
    """The pen-digit file's drawings as the Teach tab keeps them: image, pen and strokes."""
    mine = PersonalDigits.empty()
    for d in load_pendigits(pen_file):
        strokes = place_on_canvas(d.strokes, 168)
        mine = mine.with_example(sketch_to_mnist(render_strokes(strokes, 22)), d.label,
                                 (22.0, strokes))  # fmt: skip
    return mine


def test_drawings_with_strokes_are_drawn_again_in_new_shapes(tiny, sample, pen_file) -> None:
    mine = _pen_hand(pen_file)
    first = mine.strokes[0]
    drawn = redraw(first[1], first[0], 8, np.random.default_rng(0))
    assert drawn.shape == (8, 784) and drawn.dtype == np.float32
    assert drawn.min() >= 0 and drawn.max() <= 1
    assert len({row.tobytes() for row in drawn}) == 8
    adapted, report = adapt(tiny, mine, sample.training, sample.test, settings=QUICK)
    assert report.examples == len(mine) and adapted_digits(adapted.description) == len(mine)


def test_the_strokes_are_remembered_and_held_back_digits_read_without_their_own(
    tiny, sample, pen_file
) -> None:
    mine = _pen_hand(pen_file)
    settings = replace(QUICK, final_steps=0)  # the returned network is the one measured
    adapted, report = adapt(tiny, mine, sample.training, sample.test, seed=3, settings=settings)
    expected = np.stack([trajectory(strokes) for _, strokes in mine.strokes])
    np.testing.assert_array_equal(adapted.strokes.features, expected)
    assert adapted.strokes.labels.tolist() == mine.labels.tolist()
    assert report.remembered == len(mine) == len(adapted.strokes)

    held = list(report.held_back_indices)
    rest = [i for i in range(len(mine)) if i not in held]
    others = StrokeMemory.of([mine.strokes[i][1] for i in rest], mine.labels[rest])
    measured = Model(adapted.network, adapted.description, others)
    right = [measured.answer(mine.images[i], mine.strokes[i][1]).digit == mine.labels[i]
             for i in held]  # fmt: skip
    assert held and report.personal_after == np.mean(right)


def test_drawn_digits_are_weighted_personal_share_and_images_images_share(
    tiny, sample, pen_file
) -> None:
    """Drawings whose strokes are remembered are weighted ``personal_share``; once any example
    is only an image, ``images_share`` is used instead (the network must learn those alone)."""

    def layers(digits, **changes):
        settings = replace(QUICK, **changes)
        model, _ = adapt(tiny, digits, sample.training, sample.test, seed=4, settings=settings)
        return model.network.layers

    def same(a, b) -> bool:
        return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))

    drawn, images = _pen_hand(pen_file), _mirror_hand(sample, per_digit=2)
    assert same(layers(drawn, images_share=0.9), layers(drawn, images_share=0.2))
    assert not same(layers(drawn, personal_share=0.9), layers(drawn, personal_share=0.2))
    assert same(layers(images, personal_share=0.9), layers(images, personal_share=0.2))
    assert not same(layers(images, images_share=0.9), layers(images, images_share=0.2))


def test_digits_known_only_as_images_leave_no_memory_of_strokes(tiny, sample) -> None:
    adapted, report = adapt(tiny, _mirror_hand(sample, per_digit=2), sample.training,
                            sample.test, settings=QUICK)  # fmt: skip
    assert adapted.strokes is None and report.remembered == 0
    assert report.remembering() == ""


def test_the_report_in_words() -> None:
    report = AdaptReport(0.7, 1.0, 0.99, 0.995, held_back=10, examples=30, seconds=2.5,
                         mnist_images=10_000)  # fmt: skip
    taught, personal, mnist = report.lines()
    assert taught == "taught 30 digits in 2.5 s"
    assert personal == "held-back digits: 7 / 10 → 10 / 10 (70.0% → 100.0%)"
    assert mnist == "MNIST test (10,000 images): 99.00% → 99.50% (+0.50 points)"
    assert not report.too_forgetful()
    drawn = replace(report, remembered=28)
    assert drawn.lines()[0] == "taught 30 digits in 2.5 s, remembering how 28 were drawn"
    assert replace(report, remembered=1).remembering() == ", remembering how 1 was drawn"
    worse = AdaptReport(None, None, 0.99, 0.985, held_back=0, examples=3, seconds=1.0)
    assert worse.mnist_drop_points == pytest.approx(0.5)
    assert worse.too_forgetful() and not worse.too_forgetful(limit=1.0)


def test_a_wobbled_drawing_bends_smoothly_and_moves_its_strokes_a_little() -> None:
    line = np.column_stack([np.linspace(0, 100, 201), np.zeros(201)])  # 100 px long
    bar = np.array([[40.0, 50.0], [60.0, 50.0]])
    rng = np.random.default_rng(4)
    for _ in range(20):
        bent_line, _ = wobbled([line, bar], rng, amount=0.08, shift=0.05)
        moved = bent_line - line
        steps = np.linalg.norm(np.diff(moved, axis=0), axis=1)
        assert np.abs(moved).max() < 100 * (3 * 0.08 + 0.05)  # a few sigma, plus the shift
        assert steps.max() < 0.05 * np.abs(moved).max() + 1e-9  # 0.5 px apart: moved alike
    unshifted = wobbled([line, bar], np.random.default_rng(1), amount=0.0, shift=0.05)
    for before, after in zip([line, bar], unshifted, strict=True):
        offset = after - before
        assert np.allclose(offset, offset[0]) and np.abs(offset[0]).max() <= 5  # whole, ≤ 5 %
    alone = wobbled([line], np.random.default_rng(1), amount=0.0, shift=0.05)
    assert np.array_equal(alone[0], line)  # a one-stroke drawing has nothing to move against


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment of ``line`` ``(k, 2)``."""
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.clip(((points[:, None] - a) * ab).sum(-1) / (ab * ab).sum(-1), 0, 1)
    nearest = a + t[..., None] * ab
    return np.linalg.norm(points[:, None] - nearest, axis=-1).min(axis=1)


def _length(line: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(line, axis=0), axis=1).sum())


def test_a_trimmed_stroke_is_the_same_path_with_a_little_left_off_each_end() -> None:
    hook = np.array([[0.0, 0.0], [30.0, 0.0], [30.0, 40.0], [0.0, 40.0], [0.0, 100.0]])  # 160 px
    dot = np.array([[50.0, 50.0]])
    rng = np.random.default_rng(2)
    starts = []
    for _ in range(50):
        cut, same_dot = trimmed([hook, dot], rng, most=0.1)
        assert _distance_to_polyline(cut, hook).max() < 1e-9  # on the original path
        assert 0.8 * 160 - 1e-9 <= _length(cut) <= 160 + 1e-9  # at most 10 % off each end
        assert np.linalg.norm(cut[0] - hook[0]) <= 16 + 1e-9
        assert np.linalg.norm(cut[-1] - hook[-1]) <= 16 + 1e-9
        assert np.array_equal(same_dot, dot)  # a dot has no length to trim
        starts.append(cut[0, 0])
    assert np.ptp(starts) > 5  # where it begins varies from one drawing to the next
    whole = trimmed([hook], rng, most=0.0)[0]
    assert _distance_to_polyline(whole, hook).max() < 1e-9 and _length(whole) == pytest.approx(160)
