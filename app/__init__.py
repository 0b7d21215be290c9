"""The Digit Recognizer desktop application (PySide6): train the ``nn`` network, then draw digits.

``python -m app`` opens :class:`app.main_window.MainWindow`. Widgets live here, one per file; all
maths, data loading and weight files are in the Qt-free ``nn`` package.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def app_version() -> str:
    """The installed distribution's version, else the one in ``pyproject.toml``, else "dev"."""
    try:
        return version("digit-recognizer")
    except PackageNotFoundError:
        pass
    try:
        import tomllib  # Python ≥ 3.11
    except ModuleNotFoundError:
        return "dev"
    from nn.paths import bundle_root

    try:
        with open(bundle_root() / "pyproject.toml", "rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "dev"
