"""Strokes drawn on a :class:`~app.draw.sketch_canvas.SketchCanvas` with real mouse events, as a
person drags the mouse: for each stroke a left-button press at its first point, a move to each
later point, and a release at its last point.

Used by the self-test, the tests and the benchmarks, so that they all draw the way a hand does,
through the canvas's own event handlers.

Points are ``(x, y)`` pairs, x across and y down, in one of two units:

* canvas image pixels (the default): 0-560 across and 0-280 down the sketch image
  (``CANVAS_WIDTH`` x ``CANVAS_PIXELS``), the unit of :meth:`SketchCanvas.strokes` and of
  ``nn.handwriting.strokes``;
* with ``fractions=True``, fractions 0-1 of the drawing square: the square in the middle of the
  2:1 rectangle the image is shown in (the largest centred one of the widget), as high as it,
  whatever the widget's size. Across, -0.5 and 1.5 are the image's left and right edges.

Either way a point is mapped to a widget position with the widget's size at the time its event is
sent: the inverse of the canvas's own mapping, so a stroke replayed in image pixels lands on the
same image pixels at any widget size (up to rounding). Points outside the square are allowed; the
canvas clips its painting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from nn.sketch.recipe import CANVAS_PIXELS, CANVAS_WIDTH

Point = Sequence[float]
"""``(x, y)``: canvas image pixels, or fractions of the drawing square with ``fractions=True``."""

_LEFT, _NO_BUTTON = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
_BUTTONS = {  # (the button that changed, the buttons held after the event), as Qt reports them
    QEvent.Type.MouseButtonPress: (_LEFT, _LEFT),
    QEvent.Type.MouseMove: (_NO_BUTTON, _LEFT),
    QEvent.Type.MouseButtonRelease: (_LEFT, _NO_BUTTON),
}


def drag(
    canvas: QWidget,
    strokes: Iterable[Sequence[Point]],
    *,
    fractions: bool = False,
    release: bool = True,
) -> None:
    """Draw ``strokes`` on ``canvas`` with the left mouse button, one press-moves-release each.

    Each stroke is a sequence of at least one point (see the module docstring for the units).
    With ``release=False`` the button stays down after the last stroke, as mid-drag.
    """
    for event in mouse_events(canvas, strokes, fractions=fractions, release=release):
        QApplication.sendEvent(canvas, event)


def mouse_events(
    canvas: QWidget,
    strokes: Iterable[Sequence[Point]],
    *,
    fractions: bool = False,
    release: bool = True,
) -> Iterator[QMouseEvent]:
    """The events :func:`drag` sends, in order, each made when it is asked for (with the widget's
    size at that moment), for callers that act between them, e.g. to time each move."""
    strokes = list(strokes)
    for i, stroke in enumerate(strokes):
        yield mouse_event(canvas, QEvent.Type.MouseButtonPress, stroke[0], fractions=fractions)
        for point in stroke[1:]:
            yield mouse_event(canvas, QEvent.Type.MouseMove, point, fractions=fractions)
        if release or i < len(strokes) - 1:
            yield mouse_event(
                canvas, QEvent.Type.MouseButtonRelease, stroke[-1], fractions=fractions
            )


def send_mouse(
    canvas: QWidget, kind: QEvent.Type, point: Point, *, fractions: bool = False
) -> None:
    """Deliver one left-button press, move (button held) or release at ``point`` to ``canvas``,
    as Qt does while the canvas grabs the mouse."""
    QApplication.sendEvent(canvas, mouse_event(canvas, kind, point, fractions=fractions))


def mouse_event(
    canvas: QWidget, kind: QEvent.Type, point: Point, *, fractions: bool = False
) -> QMouseEvent:
    """A left-button press, move (button held) or release at ``point`` on ``canvas``."""
    button, buttons = _BUTTONS[kind]
    position = widget_position(canvas, point, fractions=fractions)
    return QMouseEvent(
        kind,
        position,
        canvas.mapToGlobal(position),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )


def widget_position(canvas: QWidget, point: Point, *, fractions: bool = False) -> QPointF:
    """``point`` (image pixels, or fractions of the drawing square) → widget position, where the
    canvas shows it now: in the largest centred 2:1 rectangle of the widget."""
    side = max(1.0, min(canvas.width() * CANVAS_PIXELS / CANVAS_WIDTH, float(canvas.height())))
    top = (canvas.height() - side) / 2
    if fractions:  # the square in the middle of the rectangle
        left, scale = (canvas.width() - side) / 2, side
    else:
        scale = side / CANVAS_PIXELS
        left = (canvas.width() - CANVAS_WIDTH * scale) / 2
    x, y = point
    return QPointF(left + x * scale, top + y * scale)
