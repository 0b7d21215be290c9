"""Every control of the window can be named by a screen reader, and what is painted is described.

The tests walk the whole widget tree of a real MainWindow, so a widget added later is held to the
same rules without a test of its own.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QScrollBar,
    QTabBar,
    QTabWidget,
    QWidget,
)

from app.draw.mouse_replay import drag

COMPOUND = (QAbstractSpinBox, QComboBox, QTabBar, pg.GraphicsView)
"""Widgets built of Qt's (or pyqtgraph's) own parts: a spin box's line edit, a combo box's popup
list, a tab bar's scroll buttons, a plot's viewport. The compound widget is what a screen reader
presents, with its own name; its parts are not the application's controls."""


def is_internal_part(widget: QWidget, window: QWidget) -> bool:
    """True for a part Qt or pyqtgraph made inside a control, rather than a control itself: a
    descendant of a :data:`COMPOUND` widget, a scroll bar (its scroll area presents it), or the tab
    bar of a tab widget that has a name (the tabs are named by their own texts)."""
    if isinstance(widget, QScrollBar):
        return True
    parent = widget.parentWidget()
    if isinstance(widget, QTabBar) and isinstance(parent, QTabWidget):
        return bool(parent.accessibleName())
    while parent is not None and parent is not window:
        if isinstance(parent, COMPOUND):
            return True
        parent = parent.parentWidget()
    return False


def controls(window: QWidget) -> list[QWidget]:
    """Every widget of ``window`` that can take keyboard focus, in any tab, shown or not yet
    shown (a button that appears when a run fails counts too), but no internal part."""
    return [
        widget
        for widget in window.findChildren(QWidget)
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus and not is_internal_part(widget, window)
    ]


def paints_itself(widget: QWidget) -> bool:
    """True for a widget whose content is painted, not made of widgets with text: one of the
    app's classes with its own ``paintEvent``, or a pyqtgraph plot."""
    if isinstance(widget, pg.GraphicsView):
        return True
    return any(
        cls.__module__.startswith("app.") and "paintEvent" in vars(cls)
        for cls in type(widget).__mro__
    )


def describe(widget: QWidget) -> str:
    return f"{type(widget).__name__} {widget.objectName()!r}"


def test_every_control_has_a_name_and_a_description(window):
    found = controls(window)
    assert len(found) > 30  # the walk reaches into every tab
    unnamed = [describe(w) for w in found if not w.accessibleName().strip()]
    undescribed = [describe(w) for w in found if not w.accessibleDescription().strip()]
    assert not unnamed, f"no accessible name: {unnamed}"
    assert not undescribed, f"no accessible description: {undescribed}"


def test_every_painted_widget_describes_itself(window):
    painted = [w for w in window.findChildren(QWidget) if paints_itself(w)]
    assert {"sketchCanvas", "activationChart", "inputPreview", "accuracyPlot"} <= {
        w.objectName() for w in painted
    }
    undescribed = [describe(w) for w in painted if not w.accessibleDescription().strip()]
    assert not undescribed, f"painted, but not described in words: {undescribed}"


def test_the_walk_skips_only_parts_of_compound_widgets(window):
    tab = window.training_tab
    found = controls(window)
    assert tab.form.batch_spin in found and tab.form.activation_combo in found
    assert window.tabs in found and tab.progress_panel.pick_folder_button in found
    parts = [w for w in window.findChildren(QWidget) if is_internal_part(w, window)]
    assert tab.form.batch_spin.findChild(QWidget, "qt_spinbox_lineedit") in parts
    assert window.tabs.tabBar() in parts
    assert tab.form.batch_spin not in parts and window.drawing_tab.canvas not in parts


def test_the_status_bar_and_the_tabs_are_named(window):
    assert window.model_label.accessibleName() == f"Model in use: {window.model_label.text()}"
    assert window.model_label.accessibleDescription()
    count = window.tabs.count()
    assert f"Ctrl+{count}" in window.tabs.accessibleDescription()
    for index in range(count):
        assert window.tabs.tabToolTip(index).endswith(f"(Ctrl+{index + 1})")


def test_labels_move_focus_to_their_fields(window):
    """A label naming a field is its buddy; each one with an Alt+letter points at a field that
    takes focus (itself or through its focus proxy)."""
    labels = [w for w in window.findChildren(QLabel) if "&" in w.text().replace("&&", "")]
    assert len(labels) >= 10
    for label in labels:
        buddy = label.buddy()
        assert buddy is not None, label.text()
        target = buddy.focusProxy() or buddy
        assert target.focusPolicy() & Qt.FocusPolicy.TabFocus, label.text()
    form = window.training_tab.form
    assert form.hidden_edit.accessibleName() == "Hidden layers"
    assert form.eta_edit.accessibleName() == "Learning rate η"


def mnemonic(text: str) -> str | None:
    keys = QKeySequence.mnemonic(text)
    return keys.toString() if not keys.isEmpty() else None


def test_no_two_alt_letters_clash_in_any_tab(window):
    """Alt+letter of the menus, the tabs and the labels, buttons, boxes and inner tabs of each
    tab (the widgets of the other tabs are hidden then, so only one tab's letters count at a
    time)."""
    always = [action.text() for action in window.menuBar().actions()]
    always += [window.tabs.tabText(i) for i in range(window.tabs.count())]
    for index in range(window.tabs.count()):
        page = window.tabs.widget(index)
        texts = list(always)
        for widget in page.findChildren(QWidget):
            if isinstance(widget, QLabel | QAbstractButton):
                texts.append(widget.text())
            elif isinstance(widget, QGroupBox):
                texts.append(widget.title())
            elif isinstance(widget, QTabWidget):
                texts += [widget.tabText(i) for i in range(widget.count())]
        keys = Counter(key for text in texts if (key := mnemonic(text)))
        clashes = {key: n for key, n in keys.items() if n > 1}
        assert not clashes, f"tab {window.tabs.tabText(index)!r}: {clashes}"


def test_no_two_shortcuts_clash(window):
    keys: list[str] = []
    for action in window.findChildren(QAction):
        keys += [k.toString() for k in action.shortcuts()]
    for shortcut in window.findChildren(QShortcut):
        keys.append(shortcut.key().toString())
    repeated = {key: n for key, n in Counter(keys).items() if n > 1 and key}
    assert not repeated


def test_the_canvas_describes_the_drawing_as_it_changes(qtbot, window):
    tab = window.drawing_tab
    canvas = tab.canvas
    assert canvas.accessibleName() == "Drawing canvas"
    assert canvas.accessibleDescription() == "empty, pen 22 px"
    drag(canvas, [[(80, 60), (200, 60), (120, 240)]])
    assert canvas.accessibleDescription() == "1 stroke drawn, pen 22 px"
    tab.pen_slider.setFocus()
    qtbot.keyClick(tab.pen_slider, Qt.Key.Key_Right)  # one step wider, from the keyboard
    drag(canvas, [[(90, 150), (190, 150)]])
    assert canvas.accessibleDescription() == "2 strokes drawn, pen 23 px"
    qtbot.mouseClick(tab.undo_button, Qt.MouseButton.LeftButton)
    assert canvas.accessibleDescription() == "1 stroke drawn, pen 23 px"
    qtbot.mouseClick(tab.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.accessibleDescription() == "empty, pen 23 px"


def test_the_train_buttons_show_their_shortcuts(window):
    controls_ = window.training_tab.controls
    for button, action in zip(
        (controls_.train_button, controls_.pause_button, controls_.stop_button),
        controls_.run_actions,
        strict=True,
    ):
        for keys in action.shortcuts():
            assert keys.toString(QKeySequence.SequenceFormat.NativeText) in button.toolTip()
        assert action in window.training_menu.actions()


CANVAS_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from PySide6.QtWidgets import QApplication
    from app.draw.mouse_replay import drag
    from app.draw.sketch_canvas import SketchCanvas

    app = QApplication([])
    canvas = SketchCanvas()
    canvas.resize(360, 300)
    canvas.show()
    app.processEvents()
    drag(canvas, {strokes!r}, fractions=True)
    np.save(sys.argv[1], canvas.image_array())
    print(canvas.devicePixelRatioF())
    """
)
ROOT = Path(__file__).resolve().parents[2]
STROKES = [[(0.2, 0.15), (0.8, 0.15), (0.45, 0.9)], [(0.3, 0.55), (0.7, 0.55)]]


def canvas_image(tmp_path, scale: str) -> tuple[np.ndarray, float]:
    """The 560x280 image a canvas of 360x300 logical pixels holds after :data:`STROKES`, drawn in
    a fresh interpreter whose screen is scaled by ``scale`` (``QT_SCALE_FACTOR``)."""
    out = tmp_path / f"canvas-{scale}.npy"
    env = {"QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", CANVAS_SCRIPT.format(strokes=STROKES), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return np.load(out), float(result.stdout.split()[-1])


@pytest.mark.parametrize("scale", ["1.5", "2"])
def test_the_network_reads_the_same_drawing_at_any_scale(tmp_path, scale):
    at_one, ratio_one = canvas_image(tmp_path, "1")
    scaled, ratio = canvas_image(tmp_path, scale)
    assert (ratio_one, ratio) == (1.0, float(scale))
    assert at_one.shape == (280, 560) and at_one.max() == 255
    np.testing.assert_array_equal(scaled, at_one)
