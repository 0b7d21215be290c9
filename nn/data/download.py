"""Downloading full MNIST (four gzipped IDX files, about 11 MB) into the user data folder.

Each file is streamed to a temporary file next to its final place, checked against the MD5 of
its decompressed content (so a mirror that recompressed the files still passes), and only then
renamed into place: a name in the folder always means a complete, verified file. Files already
there and verified are never fetched again. Standard library only (``urllib.request``).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from nn.data.mnist import IDX_NAMES
from nn.paths import user_data_dir

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
FILE_NAMES = tuple(f"{name}.gz" for name in IDX_NAMES)
# MD5 of each file's decompressed content: the well-known values for MNIST.
KNOWN_MD5 = {
    "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}
# Sizes in bytes of the .gz files the usual mirrors serve, for progress before Content-Length.
APPROX_SIZES = dict(zip(FILE_NAMES, (9_912_422, 28_881, 1_648_877, 4_542), strict=True))
LOCAL_FILES_HINT = "set MNIST_DIR to a folder holding the four MNIST IDX files, or use --data DIR"
USER_AGENT = "DigitRecognizer (Python urllib)"
CHUNK = 64 * 1024

ProgressCallback = Callable[[int, int], None]
StopCheck = Callable[[], bool] | None


class DownloadError(OSError):
    """MNIST could not be downloaded (or the download was cancelled); the message says why."""


class DownloadCancelledError(DownloadError):
    """``should_stop()`` asked to stop: ``DownloadError("download cancelled")``."""


class _Progress:
    """Bytes done and total across all files, reported as a monotonic ``(done, total)``."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.sizes: dict[str, int] = {}  # each file's size, estimated until known
        self.finished = 0  # bytes of files complete and verified
        self.current = 0  # bytes of the file being fetched
        self.reported = 0

    def report(self) -> None:
        self.reported = max(self.reported, self.finished + self.current)
        if self.callback is not None:
            self.callback(self.reported, max(sum(self.sizes.values()), self.reported))

    def complete(self, name: str, size: int) -> None:
        self.sizes[name] = size
        self.finished += size
        self.current = 0


def _stop_if_asked(should_stop: StopCheck) -> None:
    if should_stop is not None and should_stop():
        raise DownloadCancelledError("download cancelled")


def _content_md5(path: Path) -> str | None:
    """MD5 hex digest of the gzip file's decompressed content; None if it is not valid gzip."""
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(16 * CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def _fetch(
    url: str, out: BinaryIO, name: str, progress: _Progress, timeout: float, stop: StopCheck
) -> None:
    """Stream ``url`` into the open binary file ``out``; raise if the transfer is cut short."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length", "")
        expected = int(length) if length.isdigit() else None
        if expected is not None:
            progress.sizes[name] = expected
        received = 0
        while chunk := response.read(CHUNK):
            _stop_if_asked(stop)
            out.write(chunk)
            received += len(chunk)
            progress.current = received
            progress.report()
    if expected is not None and received != expected:
        raise OSError(f"connection closed after {received} of {expected} bytes")


def _try_mirror(
    url: str,
    folder: Path,
    name: str,
    md5: str,
    progress: _Progress,
    timeout: float,
    stop: StopCheck,
) -> str | None:
    """Fetch ``url`` into place as ``folder / name``; the reason it failed, or None on success."""
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            _fetch(url, out, name, progress, timeout, stop)
        if _content_md5(Path(temporary)) != md5:
            return "corrupt download (checksum of the content does not match)"
        size = Path(temporary).stat().st_size
        os.replace(temporary, folder / name)
        progress.complete(name, size)
        return None
    finally:
        progress.current = 0
        Path(temporary).unlink(missing_ok=True)


def _download_file(
    name: str,
    folder: Path,
    md5: str,
    mirrors: Sequence[str],
    progress: _Progress,
    timeout: float,
    stop: StopCheck,
) -> None:
    """Fetch one file from the first mirror that serves it intact; DownloadError if none does."""
    failures: list[tuple[str, str, bool]] = []  # (url, reason, mirror unreachable)
    for mirror in mirrors:
        _stop_if_asked(stop)
        url = mirror.rstrip("/") + "/" + name
        try:
            reason = _try_mirror(url, folder, name, md5, progress, timeout, stop)
        except DownloadError:
            raise
        except urllib.error.HTTPError as error:
            error.close()
            reason = f"HTTP error {error.code} {error.reason}"
        except urllib.error.URLError as error:
            failures.append((url, f"unreachable ({error.reason})", True))
            continue
        except (OSError, http.client.HTTPException, ValueError) as error:
            reason = f"{type(error).__name__}: {error}"
        if reason is None:
            return
        failures.append((url, reason, False))
    raise _all_failed(name, failures)


def _all_failed(name: str, failures: list[tuple[str, str, bool]]) -> DownloadError:
    """The error for a file no mirror served; it says so when no mirror could be reached."""
    details = "; ".join(f"{url}: {reason}" for url, reason, _ in failures)
    hint = f"To use MNIST files you already have, {LOCAL_FILES_HINT}."
    if all(unreachable for _, _, unreachable in failures):
        return DownloadError(
            "Could not download MNIST: no network connection, or no mirror could be reached. "
            f"{hint} (Tried {details}.)"
        )
    return DownloadError(f"Could not download {name} from any mirror. {hint} (Tried {details}.)")


def download_mnist(
    destination: Path | None = None,
    on_progress: ProgressCallback | None = None,
    mirrors: Sequence[str] = MIRRORS,
    timeout: float = 30.0,
    should_stop: StopCheck = None,
    checksums: Mapping[str, str] | None = None,
) -> Path:
    """Download the four MNIST ``.gz`` files into ``destination`` and return the folder.

    ``destination`` defaults to ``user_data_dir() / "mnist"`` and is created with its parents.
    Files already there whose content matches are kept, not fetched again. ``on_progress(done,
    total)`` gets bytes across all four files (``done`` never decreases; ``total`` is refined
    as servers report sizes, and the last call has ``done == total``). ``should_stop()``
    returning True cancels: DownloadError("download cancelled"), with no temporary file left.
    ``checksums`` maps each file name to the MD5 of its decompressed content (default:
    MNIST's known values); ``timeout`` is in seconds, per network operation.
    """
    if not mirrors:
        raise ValueError("no mirrors given")
    folder = Path(destination) if destination is not None else user_data_dir() / "mnist"
    sums = KNOWN_MD5 if checksums is None else checksums
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise DownloadError(f"cannot write to {folder}")
    progress = _Progress(on_progress)
    missing = []
    for name in FILE_NAMES:
        path = folder / name
        if path.is_file() and _content_md5(path) == sums[name]:
            progress.complete(name, path.stat().st_size)
        else:
            progress.sizes[name] = APPROX_SIZES[name]
            missing.append(name)
    progress.report()
    for name in missing:
        _download_file(name, folder, sums[name], mirrors, progress, timeout, should_stop)
    progress.report()
    return folder
