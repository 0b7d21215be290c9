"""View ▸ Theme: System, Light and Dark switch every view live, "System" follows the system, and
the choice is remembered."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from app.main_window import MainWindow
from app.settings import THEME
from app.theme import (
    CHOICES,
    DARK,
    LIGHT,
    SYSTEM,
    app_theme,
    apply_theme,
    is_dark_choice,
    palette_for,
    read_theme_choice,
)

pytestmark = [
    pytest.mark.usefixtures("restored_theme"),
    # A popup menu asks the platform to raise it and grab the keyboard; offscreen says it cannot.
    pytest.mark.qt_log_ignore(r"This plugin does not support (raise\(\)|grabbing the keyboard)$"),
]

ROLES = [r for r in QPalette.ColorRole if r not in (QPalette.ColorRole.NColorRoles,)]
ROLES.remove(QPalette.ColorRole.NoRole)
GROUPS = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled)


def choose(qtbot, window: MainWindow, choice: str) -> None:
    """Open View ▸ Theme and click ``choice``, as a person does."""
    menu = window.theme_menu
    menu.popup(window.mapToGlobal(QPoint(40, 40)))
    qtbot.waitExposed(menu)
    action = menu.actions_by_choice[choice]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible())


def colours_of(window: MainWindow) -> dict[str, str]:
    """The colours the views show now, read back from them."""
    plot = window.training_tab.plot
    chart = window.drawing_tab.chart
    axis = plot.getPlotItem().getAxis("left")
    return {
        "plot background": plot.backgroundBrush().color().name(),
        "plot axis": axis.pen().color().name(),
        "plot tick labels": axis.textPen().color().name(),
        "chart background": chart.backgroundBrush().color().name(),
        "chart axis": chart.getPlotItem().getAxis("bottom").pen().color().name(),
        "chart bars": chart.bar_brushes()[0].color().name(),
        "window": window.palette().color(QPalette.ColorRole.Window).name(),
    }


def expected_colours(dark: bool) -> dict[str, str]:
    palette = palette_for(dark)
    base = palette.color(QPalette.ColorRole.Base).name()
    text = palette.color(QPalette.ColorRole.WindowText).name()
    return {
        "plot background": base,
        "plot axis": text,
        "plot tick labels": text,
        "chart background": base,
        "chart axis": text,
        "window": palette.color(QPalette.ColorRole.Window).name(),
    }


def shows(window: MainWindow, dark: bool) -> bool:
    seen = colours_of(window)
    seen.pop("chart bars")
    return seen == expected_colours(dark)


def on_screen(window: MainWindow, widget, x: int, y: int) -> str:
    """The colour the window shows at ``(x, y)`` of ``widget``."""
    return window.grab().toImage().pixelColor(widget.mapTo(window, QPoint(x, y))).name()


def around_the_images(window: MainWindow) -> set[str]:
    """The colours shown in the corner of the preview (outside its image) and in the drawing
    tab's own margin, beside the canvas (whose image fills its widget)."""
    tab = window.drawing_tab
    return {
        on_screen(window, tab.preview, 1, 1),
        on_screen(window, tab, 2, 2),
    }


# -- the palettes -----------------------------------------------------------------------------


def test_the_light_palette_is_fusions_own():
    # Under the test platform, which reports no colour scheme, Fusion's palette is its light one.
    reference = QStyleFactory.create("Fusion").standardPalette()
    for group in GROUPS:
        for role in ROLES:
            assert palette_for(False).color(group, role) == reference.color(group, role), (
                group,
                role,
            )


def test_the_dark_palette_has_light_text_on_dark_backgrounds():
    palette = palette_for(True)
    for background, text in (
        (QPalette.ColorRole.Window, QPalette.ColorRole.WindowText),
        (QPalette.ColorRole.Base, QPalette.ColorRole.Text),
        (QPalette.ColorRole.Button, QPalette.ColorRole.ButtonText),
    ):
        assert palette.color(background).lightness() < 64
        assert palette.color(text).lightness() > 200
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    assert 90 < disabled.lightness() < 180  # greyed, still readable


@pytest.mark.parametrize(
    ("choice", "scheme", "dark"),
    [
        (SYSTEM, Qt.ColorScheme.Unknown, False),
        (SYSTEM, Qt.ColorScheme.Light, False),
        (SYSTEM, Qt.ColorScheme.Dark, True),
        (LIGHT, Qt.ColorScheme.Dark, False),
        (DARK, Qt.ColorScheme.Light, True),
        (DARK, Qt.ColorScheme.Unknown, True),
    ],
)
def test_what_each_choice_means(choice, scheme, dark):
    assert is_dark_choice(choice, scheme) is dark


def test_a_choice_that_is_not_one_is_refused(qapp):
    with pytest.raises(ValueError, match="system, light, dark"):
        apply_theme("purple", qapp)


# -- the menu and every view ------------------------------------------------------------------


def test_the_menu_offers_three_exclusive_choices_system_first(window):
    menu = window.theme_menu
    actions = [menu.actions_by_choice[c] for c in CHOICES]
    assert [a.text().replace("&", "") for a in actions] == ["System", "Light", "Dark"]
    assert [a.isChecked() for a in actions] == [True, False, False]
    assert all(a.toolTip() and a.objectName() for a in actions)
    assert menu.accessibleName() == "Theme"
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert menu.menuAction() in menus["View"].actions()


def test_switching_the_theme_recolours_every_view_both_ways(qtbot, window):
    # The accuracy plot's colours are set by style_plot, which needs the plot to exist.
    qtbot.waitUntil(lambda: shows(window, dark=False))
    light = colours_of(window)
    light_around = around_the_images(window)

    choose(qtbot, window, DARK)
    assert window.theme_menu.actions_by_choice[DARK].isChecked()
    qtbot.waitUntil(lambda: shows(window, dark=True))
    dark = colours_of(window)
    assert dark["chart bars"] != light["chart bars"]
    # Around the black images, the tab's own background, whatever colour the style gives it.
    dark_around = around_the_images(window)
    assert len(dark_around) == 1 and dark_around != light_around
    assert QColor(dark_around.pop()).lightness() < 80

    choose(qtbot, window, LIGHT)
    qtbot.waitUntil(lambda: shows(window, dark=False))
    assert colours_of(window) == light
    assert around_the_images(window) == light_around and len(light_around) == 1


def test_system_follows_the_system_scheme_and_the_others_do_not(qtbot, window):
    # The offscreen platform never reports a scheme of its own, so the test emits the real
    # QStyleHints.colorSchemeChanged signal the way a desktop would.
    hints = QGuiApplication.styleHints()
    assert window.theme_menu.choice() == SYSTEM
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    qtbot.waitUntil(lambda: shows(window, dark=True))
    assert app_theme().dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: shows(window, dark=False))

    choose(qtbot, window, LIGHT)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    QApplication.processEvents()
    assert shows(window, dark=False)
    choose(qtbot, window, DARK)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    QApplication.processEvents()
    assert shows(window, dark=True)


def test_a_bar_chart_made_after_switching_is_dark_from_the_start(qtbot, window):
    choose(qtbot, window, DARK)
    qtbot.waitUntil(lambda: shows(window, dark=True))
    from app.widgets.activation_chart import ActivationChart, bar_colours

    chart = ActivationChart()
    qtbot.addWidget(chart)
    assert chart.backgroundBrush().color() == palette_for(True).color(QPalette.ColorRole.Base)
    assert chart.bar_brushes()[0].color() == bar_colours(palette_for(True))[0]


# -- remembered -------------------------------------------------------------------------------


def test_the_choice_is_remembered_by_the_next_window(qtbot, make_window, tmp_path):
    path = str(tmp_path / "theme.ini")
    first = make_window(settings=QSettings(path, QSettings.Format.IniFormat))
    choose(qtbot, first, DARK)
    first.close()
    apply_theme(LIGHT)  # as a new process starts: nothing carried over but the file

    second = make_window(settings=QSettings(path, QSettings.Format.IniFormat))
    assert second.theme_menu.choice() == DARK
    assert second.theme_menu.actions_by_choice[DARK].isChecked()
    assert QApplication.palette().color(QPalette.ColorRole.Window) == palette_for(True).color(
        QPalette.ColorRole.Window
    )
    qtbot.waitUntil(lambda: shows(second, dark=True))


def test_a_stored_nonsense_value_means_system_and_is_logged(make_window, tmp_path, caplog):
    path = str(tmp_path / "theme.ini")
    settings = QSettings(path, QSettings.Format.IniFormat)
    settings.setValue(THEME, "purple")
    with caplog.at_level(logging.WARNING, logger="app.settings"):
        window = make_window(settings=settings)
    assert window.theme_menu.choice() == SYSTEM
    assert any(
        "view/theme" in r.getMessage() and "purple" in r.getMessage() for r in caplog.records
    )
    assert settings.value(THEME) is None  # dropped, not reported again at every start


@pytest.mark.parametrize(
    ("stored", "choice"),
    [("dark", DARK), (" Light ", LIGHT), ("SYSTEM", SYSTEM), ("", SYSTEM), (3, SYSTEM)],
)
def test_stored_values_are_read_leniently_and_checked(tmp_path, stored, choice):
    settings = QSettings(str(tmp_path / "theme.ini"), QSettings.Format.IniFormat)
    settings.setValue(THEME, stored)
    assert read_theme_choice(settings) == choice


def test_the_preview_frame_stands_out_in_both_themes(qtbot, window):
    preview = window.drawing_tab.preview
    for choice, dark in ((DARK, True), (LIGHT, False)):
        choose(qtbot, window, choice)
        qtbot.waitUntil(lambda d=dark: shows(window, dark=d))
        image = window.grab().toImage()
        rect = preview.image_rect().toAlignedRect().translated(preview.mapTo(window, QPoint(0, 0)))
        y = rect.center().y()
        frame = image.pixelColor(rect.left() - 1, y)
        outside = image.pixelColor(rect.left() - 3, y)
        inside = image.pixelColor(rect.left() + 1, y)  # the blank image: black
        assert inside.name() == "#000000"
        assert abs(frame.lightness() - outside.lightness()) >= 30, choice
        assert abs(frame.lightness() - inside.lightness()) >= 30, choice
