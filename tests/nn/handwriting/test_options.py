"""MNIST plus drawn pen digits, shared by the CLI and the Train tab: what the options draw,
progress, stopping, file lookup and the log phrases."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data.dataset import Dataset, MnistSplits
from nn.data.mnist import load_sample
from nn.data.pendigits import TRAINING_FILE
from nn.handwriting.augment import augment
from nn.handwriting.options import HandwritingOptions, training_set
from nn.handwriting.strokes import MIN_PARALLEL, PARALLEL_BLOCK, RenderCancelledError
from tests.conftest import FIRST_PEN_LABELS, write_pen_digits


@pytest.fixture(scope="module")
def splits():
    sample = load_sample()
    return MnistSplits(sample.training.subset(300), sample.validation, sample.test, sample.source)


def expected_pen_labels(widths, copies: int, styles: bool) -> list[int]:
    """The labels drawn from the 20-digit file: each digit once per width and copy, in the file's
    order; then, with styles, the digits of each styled class (0, 7, 1, 4, 9), ``copies`` each."""
    labels = [label for label in FIRST_PEN_LABELS for _ in range(len(widths) * copies)]
    for styled in (0, 7, 1, 4, 9) if styles else ():
        labels += [styled] * (FIRST_PEN_LABELS.count(styled) * copies)
    return labels


@pytest.mark.parametrize(
    ("widths", "seed", "styles", "copies", "reshape"),
    [
        ((10, 22, 36), 3, False, 1, False),
        ((10.0, 30.0), 3, True, 2, True),
        ((22,), 7, True, 1, False),
    ],
)
def test_the_options_decide_which_pen_digits_are_drawn(
    splits, pen_file, widths, seed, styles, copies, reshape
):
    options = HandwritingOptions(
        pen_digits=pen_file,
        pen_widths=widths,
        pen_copies=copies,
        pen_reshape=reshape,
        styles=styles,
    )
    training, name = training_set(splits, options, seed)
    labels = expected_pen_labels(widths, copies, styles)
    assert name == f"committed sample + {len(labels)} drawn pen digits (pen.tra)"
    np.testing.assert_array_equal(training.images[:300], splits.training.images)
    np.testing.assert_array_equal(training.labels[:300], splits.training.labels)
    assert training.labels[300:].tolist() == labels
    pen = training.images[300:]
    assert pen.dtype == np.float32 and pen.min() >= 0 and pen.max() <= 1
    assert (pen.max(axis=1) > 0.5).all()  # every drawing has ink
    again, _ = training_set(splits, options, seed, on_progress=lambda d, t: None)
    np.testing.assert_array_equal(again.images, training.images)  # progress changes nothing


def test_a_wider_pen_inks_every_digit_more_and_reshaping_changes_every_drawing(splits, pen_file):
    def pen_images(**options) -> np.ndarray:
        training, _ = training_set(splits, HandwritingOptions(pen_digits=pen_file, **options), 3)
        assert training.labels[300:].tolist() == list(FIRST_PEN_LABELS)
        return training.images[300:]

    thin, thick = pen_images(pen_widths=(10,)), pen_images(pen_widths=(36,))
    assert (thick.sum(axis=1) > thin.sum(axis=1)).all()  # the same sizes: only the pen differs
    upright, reshaped = pen_images(pen_widths=(22,)), pen_images(pen_widths=(22,), pen_reshape=True)
    assert not any(np.array_equal(a, b) for a, b in zip(upright, reshaped))


def test_pen_digits_are_appended_after_mnist(splits, pen_file):
    training, name = training_set(splits, HandwritingOptions(pen_digits=pen_file, styles=True), 1)
    plain = 20 * 3
    styled = 2 + 2 + 2 + 1 + 3  # each 0, 1, 4, 7 and 9 of the file, restyled once
    assert len(training) == 300 + plain + styled
    assert name == f"committed sample + {plain + styled} drawn pen digits (pen.tra)"
    np.testing.assert_array_equal(training.images[:300], splits.training.images)
    assert training.images.dtype == np.float32 and training.images[300:].max() == 1.0
    other, _ = training_set(splits, HandwritingOptions(pen_digits=pen_file, styles=True), 2)
    assert not np.array_equal(other.images, training.images)


def test_without_pen_digits_the_training_set_is_mnist_itself(splits):
    training, name = training_set(splits, HandwritingOptions(augment=True), 1)
    assert training is splits.training and name == "committed sample"


def test_progress_goes_image_by_image_and_a_stop_comes_between_two(splits, pen_file):
    seen: list[tuple[int, int]] = []
    options = HandwritingOptions(pen_digits=pen_file, pen_widths=(10,))
    training_set(splits, options, 0, on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 20) for i in range(1, 21)]
    seen.clear()
    with pytest.raises(RenderCancelledError, match="stopped after 5 of 20 images"):
        training_set(
            splits,
            options,
            0,
            on_progress=lambda done, total: seen.append((done, total)),
            should_stop=lambda: len(seen) == 5,
        )
    assert seen[-1] == (5, 20)


def test_the_default_file_is_found_from_any_folder(tmp_path, monkeypatch, pen_file):
    monkeypatch.chdir(tmp_path)
    in_project = "data/pendigits/pendigits-orig.tra.gz"  # relative to the project folder
    assert HandwritingOptions(pen_digits=in_project).pen_digits_path() == TRAINING_FILE
    assert HandwritingOptions(pen_digits="pen.tra").pen_digits_path().resolve() == pen_file
    assert HandwritingOptions().pen_digits_path() is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"styles": True}, "--styles needs --pen-digits"),
        ({"pen_digits": "x.tra", "pen_copies": 0}, "--pen-copies must be at least 1, got 0"),
    ],
)
def test_impossible_options_say_why(options, message):
    with pytest.raises(ValueError, match=message):
        HandwritingOptions(**options)


def test_augmentation_and_the_log_phrases():
    assert HandwritingOptions().augment_function() is None
    assert HandwritingOptions(augment=True).augment_function() is augment
    assert HandwritingOptions().describe() == []
    assert HandwritingOptions(augment=True, pen_digits="f", styles=True).describe() == [
        "images distorted each epoch",
        "+ pen-drawn digits with styled variants",
    ]
    odd = HandwritingOptions(pen_digits="f", pen_widths=(12, 30), pen_copies=2, pen_reshape=True)
    assert odd.describe() == ["+ pen-drawn digits (widths 12/30 px, ×2, reshaped)"]


def test_several_processes_draw_the_same_images_block_by_block(tmp_path):
    path = write_pen_digits(tmp_path / "pen.tra", 350)
    options = HandwritingOptions(pen_digits=path, pen_copies=2, pen_reshape=True, styles=True)
    empty = Dataset(np.zeros((0, 784), np.float32), np.zeros(0, np.uint8))
    splits = MnistSplits(empty, empty, empty, "nothing")
    alone = training_set(splits, options, 4)[0]
    assert len(alone) >= MIN_PARALLEL  # large enough to be shared out
    seen: list[tuple[int, int]] = []
    shared = training_set(splits, options, 4, on_progress=lambda *p: seen.append(p), processes=2)[0]
    np.testing.assert_array_equal(shared.images, alone.images)
    np.testing.assert_array_equal(shared.labels, alone.labels)
    total, block = len(alone), PARALLEL_BLOCK
    assert seen == [(min(done, total), total) for done in range(block, total + block, block)]
    seen.clear()
    with pytest.raises(RenderCancelledError, match=f"stopped after {2 * block} of {total} images"):
        training_set(splits, options, 4, on_progress=lambda *p: seen.append(p),
                     should_stop=lambda: len(seen) == 2, processes=2)  # fmt: skip
    assert seen[-1] == (2 * block, total)


def test_in_one_process_a_stop_comes_before_the_remaining_drawings_are_reshaped(
    splits, pen_file, monkeypatch
):
    import nn.handwriting.styles

    reshaped = []
    real = nn.handwriting.styles.reshape_hand
    monkeypatch.setattr(
        nn.handwriting.styles, "reshape_hand", lambda *a: reshaped.append(1) or real(*a)
    )
    options = HandwritingOptions(pen_digits=pen_file, pen_reshape=True)
    with pytest.raises(RenderCancelledError, match="stopped after 5 of 60 images"):
        training_set(splits, options, 0, should_stop=lambda: len(reshaped) == 5)
    assert len(reshaped) == 5
