"""File ▸ Open image, Edit ▸ Paste image and dropped image files: photos for the Draw tab to read.

:class:`ImageFiles` turns each way of giving an image (a file chosen, a file dropped on the
window, an image or an image file on the clipboard) into a read by
:class:`~app.draw.photo_reading.PhotoReader`, in a worker thread, and hands the photo read to
the Draw tab (``DrawingTab.show_photo``). The newest request wins. An image that cannot be read
is told in the status bar (and, for File ▸ Open image, in a message box) and changes nothing:
the drawing, the photo shown and the model in use stay as they were.

The folder of the last image opened or dropped is kept under
:data:`~app.settings.LAST_IMAGE_FOLDER`, apart from the weight files' folder. The dialogs are
:meth:`ImageFiles.ask_open_path` and :meth:`ImageFiles.show_error`, which tests replace.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMimeData, QObject, QSettings, QStandardPaths, Signal
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressBar

from app.draw.drawing_tab import DrawingTab
from app.draw.photo_reading import LoadedPhoto, PhotoReader
from app.settings import LAST_IMAGE_FOLDER, path_problem, read_value
from nn.images.reading import MAX_PIXELS, PASTED, ImageSource

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
OPEN_FILTER = f"Images ({' '.join('*' + suffix for suffix in IMAGE_SUFFIXES)});;All files (*)"
MESSAGE_MS = 10000
UNCHANGED = "the drawing and the model in use are unchanged"


class ImageFiles(QObject):
    """Open image…, Paste image and dropped images, for the Draw tab ``drawing_tab`` of
    ``window`` (whose status bar gets a busy indicator while an image is read).

    ``open_action`` (Ctrl+I) and ``paste_action`` (Ctrl+V) are for the window's menus.
    ``message(text, milliseconds)`` carries a line for the status bar; ``photo_shown(name)``
    follows each photo the Draw tab now shows, for the window to bring the tab forward.
    """

    message = Signal(str, int)
    photo_shown = Signal(str)

    def __init__(self, drawing_tab: DrawingTab, settings: QSettings, window: QMainWindow) -> None:
        super().__init__(window)
        self.drawing_tab = drawing_tab
        self.settings = settings
        self.window = window
        self.reader = PhotoReader(self)
        self.reader.photo_read.connect(self._show)
        self.reader.failed.connect(lambda reason: self._fail(reason, in_a_box=self._asked))
        self.reader.busy_changed.connect(self._on_busy)
        self._asked = False  # the newest request is File ▸ Open image's: a failure gets a box
        self.open_action = _action(
            window,
            "openImageAction",
            "Open &image…",
            QKeySequence("Ctrl+I"),
            "Read the digits in a photo or scan (PNG, JPEG, BMP, GIF, TIFF, WebP) in the Draw tab",
        )
        self.paste_action = _action(
            window,
            "pasteImageAction",
            "&Paste image",
            QKeySequence(QKeySequence.StandardKey.Paste),
            "Read the digits in the image, or image file, on the clipboard in the Draw tab",
        )
        self.open_action.triggered.connect(lambda: self.open())
        self.paste_action.triggered.connect(self.paste)
        self.busy_bar = _busy_bar()
        window.statusBar().addPermanentWidget(self.busy_bar)

    def __repr__(self) -> str:
        return f"ImageFiles(busy={self.reader.is_busy()})"

    # -- the three ways in ------------------------------------------------------------------
    def open(self, path: str | Path | None = None) -> bool:
        """Read the image at ``path`` (asked for when None) and show it in the Draw tab; a
        failure is told in a message box too. True when reading started."""
        if path is None:
            path = self.ask_open_path()
            if not path:
                return False
        path = Path(path)
        self._remember(path)
        self._read(path, path.name, asked=True)
        return True

    def open_dropped(self, path: str | Path) -> None:
        """Read an image file dropped on the window (a failure goes to the status bar)."""
        path = Path(path)
        self._remember(path)
        self._read(path, path.name, asked=False)

    def paste(self) -> bool:
        """Read the image file or the image on the clipboard (a file first, as a file manager
        copies one); True when reading started, else a status bar message says why not."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        path = None if mime is None else self.dropped_image(mime)
        if path is not None:
            self._read(path, path.name, asked=False)
            return True
        image = clipboard.image() if mime is not None and mime.hasImage() else QImage()
        if image.isNull():
            self.message.emit(
                "The clipboard holds no image: copy an image or an image file, then paste",
                MESSAGE_MS,
            )
            return False
        if image.width() * image.height() >= MAX_PIXELS:
            self._fail(f"{PASTED} is too large: {MAX_PIXELS:,} pixels at most", in_a_box=False)
            return False
        self._read(png_bytes(image), PASTED, asked=False)
        return True

    @staticmethod
    def dropped_image(mime: QMimeData) -> Path | None:
        """The first existing local image file (by its extension) among ``mime``'s URLs, or
        None."""
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.suffix.lower() in IMAGE_SUFFIXES and path.exists():
                    return path
        return None

    def last_folder(self) -> str:
        """The folder of the last image opened or dropped, else the Pictures folder, else home."""
        folder = read_value(self.settings, LAST_IMAGE_FOLDER)
        if isinstance(folder, str) and not path_problem(folder) and Path(folder).is_dir():
            return folder
        pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        return pictures if pictures and Path(pictures).is_dir() else str(Path.home())

    def is_busy(self) -> bool:
        """True while an image is being read."""
        return self.reader.is_busy()

    def shutdown(self) -> None:
        """Drop the reads asked for and wait for the one running (before the window closes)."""
        self.reader.shutdown()

    # -- dialogs (replaced by tests) ---------------------------------------------------------
    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open an image of digits", self.last_folder(), OPEN_FILTER
        )
        return path

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    # -- internals ---------------------------------------------------------------------------
    def _read(self, source: ImageSource, name: str, *, asked: bool) -> None:
        self._asked = asked
        self.reader.read(source, name)
        self.message.emit(f"Reading {name}…", 0)

    def _show(self, photo: LoadedPhoto) -> None:
        self.drawing_tab.show_photo(photo)
        summary = self.drawing_tab.photo_view.summary()
        self.message.emit(summary[:1].upper() + summary[1:], MESSAGE_MS)
        self.photo_shown.emit(photo.name)

    def _fail(self, reason: str, *, in_a_box: bool) -> None:
        self.message.emit(f"Image not read: {reason}; {UNCHANGED}", MESSAGE_MS)
        if in_a_box:
            self.show_error("Could not read the image", f"{reason}\n\nThe {UNCHANGED}.")

    def _on_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)

    def _remember(self, path: Path) -> None:
        folder = str(path.absolute().parent)
        if not path_problem(folder, look_up=False):
            self.settings.setValue(LAST_IMAGE_FOLDER, folder)


def png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG (fast, little compression): the bytes the reader decodes."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG", 90)
    return bytes(buffer.data())


def _action(window: QMainWindow, name: str, text: str, keys: QKeySequence, tip: str) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    action.setShortcut(keys)
    shown_keys = keys.toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({shown_keys})")
    action.setStatusTip(tip)
    return action


def _busy_bar() -> QProgressBar:
    bar = QProgressBar()
    bar.setObjectName("imageBusyBar")
    bar.setRange(0, 0)  # no steps to count: it moves while an image is read
    bar.setMaximumWidth(120)
    bar.setTextVisible(False)
    bar.setToolTip("Reading an image")
    bar.setAccessibleName("Reading an image")
    bar.setAccessibleDescription("Shown while the digits of an image are being read")
    bar.hide()
    return bar
