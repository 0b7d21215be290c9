"""The Draw tab's look inside the network: a "Show the network" check box that shows or hides the
network view and the "what it looks at" image, remembers the choice in the settings, and
computes what they show only while they are shown."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QCheckBox, QWidget

from app.draw.looks_at import LooksAtView
from app.draw.network_view import NetworkView
from app.settings import SHOW_NETWORK, app_settings, read_value, report_dropped
from nn.insight.inside import look_inside
from nn.network import Network

_STORED = {"true": True, "false": False}


class InsideViews(QObject):
    """``toggle`` (the check box), ``network_view`` and ``looks_at``: widgets for the tab to lay
    out, parented to ``parent``. :meth:`show_input` is called on every change of the input;
    the views are updated from it only while ``toggle`` is checked, and at once when it gets
    checked."""

    def __init__(self, parent: QWidget, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self._settings = settings if settings is not None else app_settings()
        self.toggle = QCheckBox("Show the network", parent)
        self.toggle.setObjectName("showNetworkCheck")
        self.toggle.setToolTip(
            "Show how the network reads your digit: each hidden layer's activations, the "
            "strongest connections into the answer, and which ink it looks at"
        )
        self.toggle.setAccessibleName("Show the network")
        self.toggle.setAccessibleDescription(
            "Shows or hides the network view and the image of what the network looks at"
        )
        self.network_view = NetworkView(parent)
        self.looks_at = LooksAtView(parent)
        self._network: Network | None = None
        self._input: np.ndarray | None = None
        self.toggle.setChecked(self._stored_choice())
        self._apply_visibility()
        self.toggle.toggled.connect(self._on_toggled)

    @property
    def shown(self) -> bool:
        """True while the views are shown (and computed)."""
        return self.toggle.isChecked()

    def show_input(self, network: Network | None, x: np.ndarray | None) -> None:
        """The network now reads ``x`` (784,) in [0, 1]; None for no input or no network."""
        self._network, self._input = network, x
        if self.shown:
            self._update_views()

    def _update_views(self) -> None:
        if self._network is None or self._input is None:
            self.network_view.show_inside(self._network, None)
            self.looks_at.show_attribution(None, None, None)
            return
        inside = look_inside(self._network, self._input)
        self.network_view.show_inside(self._network, inside)
        self.looks_at.show_attribution(self._input, inside.attribution, inside.winner)

    def _on_toggled(self, checked: bool) -> None:
        self._settings.setValue(SHOW_NETWORK, "true" if checked else "false")
        self._apply_visibility()
        if checked:
            self._update_views()

    def _apply_visibility(self) -> None:
        self.network_view.setVisible(self.shown)
        self.looks_at.setVisible(self.shown)

    def _stored_choice(self) -> bool:
        stored = read_value(self._settings, SHOW_NETWORK)
        if stored is None:
            return False
        if isinstance(stored, bool):
            return stored
        if isinstance(stored, str) and stored.lower() in _STORED:
            return _STORED[stored.lower()]
        report_dropped(SHOW_NETWORK, stored, "not true or false")
        self._settings.remove(SHOW_NETWORK)
        return False
