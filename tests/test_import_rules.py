"""The import rules of docs/architecture.md, checked on every module's own import statements.

Each module belongs to the first layer whose prefix names it; a layer lists the layers and the
third-party packages it may import. Imports inside functions count too: a rule is about what a
module needs, not about when it loads it. A second test imports the Qt-free entry points in a
fresh interpreter and checks what actually loaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"__future__"}

LAYERS: dict[str, tuple[str, ...]] = {
    # layer (module prefix) -> what it may import besides the standard library and itself
    "nn.digits": (),
    "nn.paths": (),
    "nn.files": (),
    "nn.activations": ("numpy",),
    "nn.costs": ("numpy", "nn.activations"),
    "nn.network": ("numpy", "nn.activations", "nn.costs", "nn.digits"),
    "nn.training": ("numpy", "nn.network", "nn.data.dataset", "nn.digits"),
    "nn.sketch": ("numpy", "PIL", "nn.digits"),
    "nn.data": ("numpy", "nn.digits", "nn.paths", "nn.files"),
    "nn.description": ("nn.sketch",),
    "nn.model": ("numpy", "nn.description", "nn.network", "nn.sketch"),
    "nn.weights": (
        *("numpy", "nn.activations", "nn.costs", "nn.network"),
        *("nn.description", "nn.model", "nn.digits", "nn.files", "nn.sketch"),
    ),
    "nn.handwriting": (
        *("numpy", "PIL", "nn.digits", "nn.paths", "nn.data", "nn.sketch"),
        *("nn.network", "nn.training", "nn.description"),
    ),
    "nn.insight": (
        *("numpy", "PIL", "nn.digits", "nn.activations", "nn.network"),
        *("nn.model", "nn.description", "nn.sketch"),
    ),
    "nn.images": ("numpy", "PIL", "nn.digits", "nn.files", "nn.sketch"),
    "nn.personal": (
        *("numpy", "PIL", "nn.digits", "nn.paths", "nn.files", "nn.activations", "nn.costs"),
        *("nn.network", "nn.training", "nn.model", "nn.description", "nn.sketch"),
        *("nn.handwriting", "nn.data", "nn.weights"),
    ),
    "nn.cli": ("nn",),
    "nn.__main__": ("nn.cli",),
    "nn": (),  # nn/__init__.py: names it hands on, imported on first use
    "app.widgets": ("numpy", "PySide6", "pyqtgraph", "nn", "app.settings"),
    "app.draw": ("numpy", "PySide6", "pyqtgraph", "nn"),
    "app.train": ("numpy", "PySide6", "pyqtgraph", "nn"),
    "app.evaluate": ("numpy", "PySide6", "pyqtgraph", "nn"),
    "app.personal": ("numpy", "PySide6", "pyqtgraph", "nn"),
    "app": ("numpy", "PySide6", "pyqtgraph", "nn", "app"),
    "bench": ("numpy", "PIL", "PySide6", "nn", "app", "bench"),
    "tests": (
        *("numpy", "PIL", "PySide6", "shiboken6", "pyqtgraph", "pytest", "pytestqt"),
        *("nn", "app", "tests"),
    ),
}


TABS = ("app.draw", "app.train", "app.evaluate", "app.personal")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> str:
    return next(prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + "."))


def _imports(path: Path, module: str) -> set[str]:
    """Every module ``path`` imports, absolute (relative imports resolved)."""
    names = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
    return names


def _allowed(layer: str, imported: str) -> bool:
    if imported.split(".")[0] in STANDARD_LIBRARY:
        return True
    allowed = (layer, *LAYERS[layer])
    if layer in TABS:  # its own package and the shared widgets, nothing of another tab
        allowed = (*allowed, "app.widgets", "app.settings", "app.model_in_use")
    return any(imported == a or imported.startswith(a + ".") for a in allowed)


def _python_files() -> list[Path]:
    folders = ("nn", "app", "bench", "tests")
    return sorted(p for folder in folders for p in (PROJECT / folder).rglob("*.py"))


def test_every_module_is_in_a_layer() -> None:
    for path in _python_files():
        assert _layer(_module_name(path)), path


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_imports_follow_the_rules(path: Path) -> None:
    module = _module_name(path)
    layer = _layer(module)
    broken = sorted(name for name in _imports(path, module) if not _allowed(layer, name))
    assert not broken, f"{module} (layer {layer}) may not import {', '.join(broken)}"


def test_tests_never_import_the_benchmarks() -> None:
    for path in (PROJECT / "tests").rglob("*.py"):
        imported = _imports(path, _module_name(path))
        assert not any(name.split(".")[0] == "bench" for name in imported), path


@pytest.mark.parametrize(
    ("entry_point", "must_not_load"),
    [
        ("import nn, nn.cli, nn.weights, nn.data.mnist, nn.handwriting.options", ("PySide6",
         "shiboken6", "pyqtgraph", "app")),
        ("from nn.weights import load_model; load_model('resources/default-model.npz')",
         ("nn.handwriting", "nn.data", "nn.training", "nn.cli", "PySide6")),
        ("from nn.model import Model", ("nn.handwriting", "nn.data", "nn.weights", "nn.cli")),
    ],
)  # fmt: skip
def test_what_an_entry_point_loads(entry_point: str, must_not_load: tuple[str, ...]) -> None:
    code = (
        f"import sys\n{entry_point}\n"
        f"must_not = {must_not_load!r}\n"
        "inside = lambda m, p: m == p or m.startswith(p + '.')\n"
        "print(sorted(m for m in sys.modules if any(inside(m, p) for p in must_not)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", f"{entry_point!r} loaded {result.stdout.strip()}"
