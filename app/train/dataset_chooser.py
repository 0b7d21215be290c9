"""The choice of training data: the committed sample, full MNIST, or a folder of IDX files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.train.data_source import FOLDER, FULL, SAMPLE, DataChoice

_TIPS = {
    SAMPLE: "5,000 training images shipped with the app: works offline, trains in seconds, "
    "reaches a lower accuracy than full MNIST.",
    FULL: "The 50,000 training images of MNIST (Nielsen's split), read from $MNIST_DIR or the "
    "user data folder; downloaded there (about 11 MB, checksums verified) the first time.",
    FOLDER: "A folder holding the four MNIST IDX files (train-images-idx3-ubyte, "
    "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz).",
}


class DatasetChooser(QGroupBox):
    """Three radio buttons and a folder picker; ``changed`` fires when the choice changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Dat&a", parent)  # Alt+A moves to the chosen data
        self.setObjectName("datasetChooser")
        self.setAccessibleName("Data")
        self.setAccessibleDescription("The images to train on; Up and Down pick another")
        self._folder = ""
        self.buttons = {
            SAMPLE: QRadioButton("Committed sample (offline)"),
            FULL: QRadioButton("Full MNIST (download ~11 MB on first use)"),
            FOLDER: QRadioButton("Folder of IDX files…"),
        }
        self._group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        for kind, button in self.buttons.items():
            button.setObjectName(f"{kind}DataRadio")
            button.setToolTip(_TIPS[kind])
            button.setAccessibleName(button.text().removesuffix("…"))
            button.setAccessibleDescription(_TIPS[kind])
            self._group.addButton(button)
            layout.addWidget(button)
        self.folder_button = QPushButton("Choose…")
        self.folder_button.setObjectName("chooseFolderButton")
        self.folder_button.setToolTip(_TIPS[FOLDER])
        self.folder_button.setAccessibleName("Choose a folder of IDX files")
        self.folder_button.setAccessibleDescription(_TIPS[FOLDER])
        self.folder_label = QLabel("no folder chosen")
        self.folder_label.setObjectName("folderLabel")
        self.folder_label.setWordWrap(True)
        self.folder_label.setAccessibleDescription("The folder of IDX files chosen, if any")
        row = QHBoxLayout()
        row.setContentsMargins(20, 0, 0, 0)
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.folder_button)
        layout.addLayout(row)
        self.buttons[SAMPLE].setChecked(True)
        self._group.buttonToggled.connect(self._on_toggled)
        self.buttons[FOLDER].clicked.connect(self._on_folder_clicked)
        self.folder_button.clicked.connect(self.choose_folder)
        self.last_folder = ""  # where the folder dialog starts; the window keeps it up to date

    def __repr__(self) -> str:
        return f"DatasetChooser({self.choice()!r})"

    def focus_order(self) -> list[QWidget]:
        """The radio buttons (Tab stops at the chosen one, the arrow keys move between them),
        then the folder button."""
        return [*self.buttons.values(), self.folder_button]

    def choice(self) -> DataChoice:
        kind = next(k for k, button in self.buttons.items() if button.isChecked())
        return DataChoice(kind, self._folder)

    def set_choice(self, choice: DataChoice) -> None:
        self._folder = choice.folder
        self._show_folder()
        self.buttons[choice.kind].setChecked(True)
        self.changed.emit()

    def choose_folder(self) -> bool:
        """Ask for a folder of IDX files and select it; False when the user cancels."""
        folder = self._ask_folder()
        if not folder:
            return False
        self._folder = str(Path(folder))
        self.last_folder = self._folder
        self._show_folder()
        self.buttons[FOLDER].setChecked(True)
        self.changed.emit()
        return True

    def _ask_folder(self) -> str:
        start = self._folder or self.last_folder
        return QFileDialog.getExistingDirectory(self, "Folder of MNIST IDX files", start)

    def _on_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self.changed.emit()

    def _on_folder_clicked(self) -> None:
        if not self._folder:
            self.choose_folder()

    def _show_folder(self) -> None:
        self.folder_label.setText(self._folder or "no folder chosen")
        self.folder_label.setToolTip(self._folder)
