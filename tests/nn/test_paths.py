"""Bundled files are found the same way from source and frozen by PyInstaller (``sys._MEIPASS``)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from nn.data.mnist import SAMPLE_SOURCE, load_sample
from nn.paths import bundle_root, bundled_file

PROJECT = Path(__file__).resolve().parents[2]


def test_from_source_the_bundle_is_the_project_folder(monkeypatch):
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert bundle_root() == PROJECT
    assert bundled_file("resources/default-model.npz") == PROJECT / "resources/default-model.npz"
    for relative in ("resources/default-model.npz", "resources/icon.png", "pyproject.toml"):
        assert bundled_file(relative).is_file(), relative
    assert bundled_file("data/sample").is_dir()


def test_frozen_the_bundle_is_the_unpacked_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert bundle_root() == tmp_path
    assert bundled_file("resources/default-model.npz") == tmp_path / "resources/default-model.npz"


def test_frozen_the_sample_is_read_from_the_bundle(monkeypatch, tmp_path):
    """A bundle laid out as build.spec lays it out serves the sample, and only the bundle does."""
    shutil.copytree(PROJECT / "data/sample", tmp_path / "data/sample")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    frozen = load_sample()
    monkeypatch.delattr(sys, "_MEIPASS")
    from_source = load_sample()
    assert frozen.source == from_source.source == SAMPLE_SOURCE
    assert len(frozen.training) == len(from_source.training) > 0
    assert (frozen.test.images == from_source.test.images).all()


def test_frozen_without_the_file_it_is_missing_not_taken_from_source(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert not bundled_file("resources/default-model.npz").exists()


def test_an_empty_meipass_means_source(monkeypatch):
    monkeypatch.setattr(sys, "_MEIPASS", "", raising=False)
    assert bundle_root() == PROJECT
