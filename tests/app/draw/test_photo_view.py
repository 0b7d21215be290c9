"""A photo in the Draw tab: its digits read as the Qt-free reader finds them, boxed over the
canvas, chosen with the chips, and drawing or Esc going back to the canvas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette

from app.draw.drawing_tab import DrawingTab
from app.draw.photo_reading import PICTURE_SIDE, load_photo
from nn.images import read_photo_digits
from nn.model import Model
from nn.paths import bundled_file
from nn.sketch.recipe import sketch_to_mnist
from nn.weights import load_model
from tests.nn.images.making import blue_pen, encoded, enlarge, page, sample_digit, write

NUMBER = (1, 4, 7)


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(bundled_file("resources/default-model.npz"))


def number_photo(size: tuple[int, int] = (720, 300), digits=NUMBER) -> bytes:
    """A JPEG of sample digits written side by side in blue on a page lit from the left."""
    width, height = size
    image = page(size)
    step = width // (len(digits) + 1)
    tall = min(int(0.66 * height), step)
    for k, label in enumerate(digits):
        write(image, enlarge(sample_digit(label), tall), (height - tall) // 2, step * k + step // 2)
    return encoded(blue_pen(image), "JPEG", quality=85)


@pytest.fixture
def photo_path(tmp_path) -> Path:
    path = tmp_path / "number.jpg"
    path.write_bytes(number_photo())
    return path


def expected_answers(model: Model, path: Path) -> list:
    """What the Qt-free reader and the model make of the photo: one answer per digit."""
    return [model.read(sketch) for sketch in read_photo_digits(path).sketches]


@pytest.fixture
def tab(qtbot, model) -> DrawingTab:
    tab = DrawingTab(model)
    qtbot.addWidget(tab)
    tab.resize(1000, 600)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def drag(qtbot, canvas, points) -> None:
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for x, y in points[1:]:
        qtbot.mouseMove(canvas, QPoint(x, y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def test_a_photo_is_read_digit_by_digit_as_the_reader_finds_it(qtbot, tab, model, photo_path):
    answers = expected_answers(model, photo_path)
    number = "".join(str(a.digit) for a in answers)
    assert number == "147"  # the sample digits, read right
    with qtbot.waitSignal(tab.number_changed) as emitted:
        tab.show_photo(load_photo(photo_path, photo_path.name))
    assert emitted.args == [number]
    assert tab.showing_photo() and tab.photo_view.isVisible()
    assert tab.photo_view.geometry() == tab.canvas.rect()
    found = read_photo_digits(photo_path)
    groups = tab.digit_groups()
    assert [g.box for g in groups] == [tuple(float(v) for v in box) for box in found.boxes]
    assert [g.strokes for g in groups] == [(), (), ()]
    assert tab.selected_digit() == 2  # the rightmost until another is chosen
    np.testing.assert_array_equal(tab.activations(), answers[2].activations)
    np.testing.assert_array_equal(tab.current_input(), answers[2].input)
    assert tab.photo_view.accessibleDescription() == "photo number.jpg: read as 147"
    assert "number.jpg" in tab.photo_view.note.text()
    assert "147" in tab.prediction_label.text()


def test_the_chips_choose_whose_bars_are_shown(qtbot, tab, model, photo_path):
    answers = expected_answers(model, photo_path)
    tab.show_photo(load_photo(photo_path, photo_path.name))
    chips = tab.digit_chips.chips
    assert tab.digit_chips.isVisible()
    assert [c.text() for c in chips[:3]] == ["1", "4", "7"]
    for index in (0, 1):
        with qtbot.waitSignal(tab.prediction_changed) as shown:
            qtbot.mouseClick(chips[index], Qt.MouseButton.LeftButton)
        np.testing.assert_array_equal(shown.args[0], answers[index].activations)
        np.testing.assert_array_equal(tab.current_input(), answers[index].input)
        assert tab.selected_digit() == index
        assert chips[index].isChecked()
    assert tab.number() == "147"  # choosing shows another digit, the number stays


def _highlight_share(image, x: float, top: float, bottom: float, colour: QColor) -> float:
    """The share of pixels in column ``x`` (±1) between ``top`` and ``bottom`` that are close
    to ``colour``."""
    hits = total = 0
    for y in range(int(top) + 2, int(bottom) - 1):
        total += 1
        for dx in (-1, 0, 1):
            pixel = image.pixelColor(round(x) + dx, y)
            close = abs(pixel.red() - colour.red()) + abs(pixel.green() - colour.green())
            if close + abs(pixel.blue() - colour.blue()) < 60:
                hits += 1
                break
    return hits / max(total, 1)


def test_each_digit_is_boxed_on_the_photo(qtbot, tab, photo_path):
    tab.show_photo(load_photo(photo_path, photo_path.name))
    view = tab.photo_view
    image = view.grab().toImage()
    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    rect = view.picture_rect()
    scale = rect.width() / 720
    assert rect.height() == pytest.approx(300 * scale, abs=1)
    for group in tab.digit_groups():
        left, top, right, bottom = group.box
        x0, x1 = rect.x() + left * scale, rect.x() + right * scale
        y0, y1 = rect.y() + top * scale, rect.y() + bottom * scale
        assert _highlight_share(image, x0, y0, y1, highlight) > 0.3  # dashed or solid
        assert _highlight_share(image, x1, y0, y1, highlight) > 0.3
        assert _highlight_share(image, (x0 + x1) / 2 - 12, y0 + 20, y1 - 20, highlight) == 0


def test_drawing_or_esc_goes_back_to_the_canvas(qtbot, tab, photo_path):
    tab.show_photo(load_photo(photo_path, photo_path.name))
    with qtbot.waitSignal(tab.number_changed) as emitted:
        drag(qtbot, tab.canvas, [(200, 80), (205, 150), (210, 220)])  # a 1, through the photo
    assert not tab.showing_photo() and not tab.photo_view.isVisible()
    assert len(tab.canvas.strokes()) == 1
    assert emitted.args == [tab.number()] and len(tab.number()) == 1
    assert tab.digit_groups()[0].strokes == (0,)
    tab.show_photo(load_photo(photo_path, photo_path.name))
    assert tab.canvas.is_empty()  # showing a photo clears the drawing
    tab.canvas.setFocus()
    qtbot.waitUntil(tab.canvas.hasFocus)
    with qtbot.waitSignal(tab.number_changed) as emitted:
        qtbot.keyClick(tab.canvas, Qt.Key.Key_Escape)
    assert emitted.args == [""]
    assert not tab.showing_photo() and tab.digit_groups() == []
    assert tab.photo_view.accessibleDescription() == "No photo"


def test_a_given_image_replaces_the_photo(qtbot, tab, photo_path):
    tab.show_photo(load_photo(photo_path, photo_path.name))
    tab.show_image(sketch_to_mnist(read_photo_digits(photo_path).sketches[0]))
    assert not tab.showing_photo() and tab.showing_given_image()
    assert not tab.photo_view.isVisible() and tab.image_note.isVisible()
    assert len(tab.digit_groups()) == 0


def test_without_a_model_the_digits_are_found_and_shown_unread(qtbot, model, photo_path):
    tab = DrawingTab(None)
    qtbot.addWidget(tab)
    photo = load_photo(photo_path, photo_path.name)
    tab.show_photo(photo)
    assert [g.answer for g in tab.digit_groups()] == [None, None, None]
    assert tab.number() == ""
    np.testing.assert_array_equal(
        tab.current_input(), sketch_to_mnist(photo.digits.sketches[2]).reshape(-1)
    )
    assert "3 digits found, no model" in tab.photo_view.accessibleDescription()
    with qtbot.waitSignal(tab.number_changed) as emitted:
        tab.set_model(model)  # the photo is read again by the model given
    assert emitted.args == ["147"]


def test_a_not_sure_digit_shows_as_for_a_drawing(qtbot, tab, photo_path):
    photo = load_photo(photo_path, photo_path.name)
    tab.show_photo(photo)
    unsure = tab.model.with_reading(tab.model.reading)  # the same network, another object
    original = unsure.network.predict

    def predict(x):  # the 4 made doubtful: its two likeliest outputs nearly equal
        a = np.array(original(x), copy=True)
        if int(np.argmax(a)) == 4:
            a[9] = a[4] * 0.95
        return a

    unsure.network.predict = predict
    try:
        tab.set_model(unsure)
        assert tab.photo_view.accessibleDescription() == "photo number.jpg: read as 1?7 (4 or 9?)"
        assert "2nd: 4 or 9?" in tab.prediction_label.text()
        assert tab.number() == "147"  # the top digits, as for a drawing
    finally:
        del unsure.network.predict


def test_the_picture_is_the_photo_scaled_upright(tmp_path):
    path = tmp_path / "wide.png"
    wide = np.full((500, 2000, 3), 255, np.uint8)
    wide[100:400, 1000:1040] = (20, 30, 120)  # a blue bar: a 1
    path.write_bytes(encoded(wide, "PNG"))
    photo = load_photo(path)
    scale = PICTURE_SIDE / 2000
    assert photo.picture.shape == (round(500 * scale), PICTURE_SIDE, 3)
    assert photo.picture[5, 5].tolist() == [255, 255, 255]
    bar = photo.picture[round(250 * scale), round(1020 * scale)].astype(int)
    assert np.abs(bar - (20, 30, 120)).max() <= 3
    assert photo.name == str(path)
    assert photo.digits.boxes[0][0] == pytest.approx(1000, abs=4)
