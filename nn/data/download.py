"""Downloading full MNIST (four gzipped IDX files, about 11 MB) into the user data folder.

Each file is streamed to a temporary file next to its final place, checked against the MD5 of
its decompressed content (so a mirror that recompressed the files still passes), and only then
renamed into place: a name in the folder always means a complete, verified file. Files already
there and verified are never fetched again. Standard library only (``urllib.request``).

No socket operation waits longer than :data:`POLL_SECONDS`: the connection's sockets retry a
read, write, connect or TLS handshake that timed out after asking ``should_stop`` again, so a
stop takes effect within that time even while a server sends nothing; a server that sends nothing
for ``timeout`` seconds (30 by default) is given up ("no data from <host> for 30 s") and the next
mirror tried. Host names are looked up in a helper thread, so a slow lookup cannot hold up a stop
either.
"""

from __future__ import annotations

import errno
import functools
import gzip
import hashlib
import http.client
import os
import select
import socket
import ssl
import tempfile
import threading
import time
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
POLL_SECONDS = 0.25
"""The longest one socket operation waits before ``should_stop`` is asked again."""
STALL_SECONDS = 30.0
"""The default ``timeout``: a server that sends nothing for this long is given up."""

ProgressCallback = Callable[[int, int], None]
StopCheck = Callable[[], bool] | None


class DownloadError(OSError):
    """MNIST could not be downloaded (or the download was cancelled); the message says why."""


class DownloadCancelledError(DownloadError):
    """``should_stop()`` asked to stop: ``DownloadError("download cancelled")``."""


class _StalledError(OSError):
    """A server sent nothing for the stall limit: this mirror is given up."""


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


class _Watch:
    """Watches one connection: asked before each try of a socket operation, it raises
    DownloadCancelledError once ``stop()`` says so, and _StalledError once ``host`` has sent
    nothing for ``limit`` seconds."""

    def __init__(self, host: str, limit: float, stop: StopCheck) -> None:
        self.host, self.limit, self.stop = host, limit, stop
        self.connected = False
        self.heard_at = time.monotonic()

    def check(self) -> None:
        _stop_if_asked(self.stop)
        if time.monotonic() - self.heard_at > self.limit:
            what = "data" if self.connected else "answer"
            raise _StalledError(f"no {what} from {self.host} for {self.limit:g} s")

    def heard(self) -> None:
        self.heard_at = time.monotonic()

    def retry(self, operation: Callable, *args, heard: bool = True):
        """``operation(*args)`` on a socket whose timeout is POLL_SECONDS, tried again after each
        timeout until it succeeds or :meth:`check` raises."""
        while True:
            self.check()
            try:
                result = operation(*args)
            except TimeoutError:
                continue
            if heard:
                self.heard()
            return result


class _Watched:
    """Socket methods that never wait longer than POLL_SECONDS at a time (see :class:`_Watch`);
    mixed into a plain and a TLS socket class. ``_watch`` is set once the socket is connected."""

    _watch: _Watch | None = None

    def recv(self, *args):
        if self._watch is None:
            return super().recv(*args)
        return self._watch.retry(super().recv, *args)

    def recv_into(self, *args):  # what http.client's buffered reads call
        if self._watch is None:
            return super().recv_into(*args)
        return self._watch.retry(super().recv_into, *args)

    def send(self, *args):
        if self._watch is None:
            return super().send(*args)
        return self._watch.retry(super().send, *args, heard=False)

    def sendall(self, data, flags=0) -> None:
        """Sends through :meth:`send`, which reports how much went out, so a send that timed out
        can be resumed where it stopped (``socket.sendall`` cannot say)."""
        with memoryview(data) as view, view.cast("B") as octets:
            sent = 0
            while sent < len(octets):
                sent += self.send(octets[sent:], flags)


class _WatchedSocket(_Watched, socket.socket):
    pass


class _WatchedTLSSocket(_Watched, ssl.SSLSocket):
    def do_handshake(self, *args) -> None:
        if self._watch is None:
            return super().do_handshake(*args)
        return self._watch.retry(super().do_handshake, *args)


def _look_up(host: str, port: int, watch: _Watch) -> list[tuple]:
    """``socket.getaddrinfo`` for a stream connection, in a helper thread, so that a stop need
    not wait for a slow name server (the thread then ends on its own)."""
    found: dict[str, object] = {}

    def look_up() -> None:
        try:
            found["addresses"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as error:
            found["error"] = error

    thread = threading.Thread(target=look_up, name="mnist-dns", daemon=True)
    thread.start()
    while thread.is_alive():
        watch.check()
        thread.join(POLL_SECONDS)
    if "error" in found:
        raise found["error"]  # type: ignore[misc]
    return found["addresses"]  # type: ignore[return-value]


_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, 10035}  # 10035: Windows


def _connect(address: tuple[str, int], watch: _Watch) -> _WatchedSocket:
    """A connected socket to ``address`` (each of its addresses in turn, as
    ``socket.create_connection`` does), waiting at most POLL_SECONDS at a time."""
    host, port = address
    error: OSError | None = None
    for family, kind, protocol, _, socket_address in _look_up(host, port, watch):
        sock = _WatchedSocket(family, kind, protocol)
        try:
            sock.setblocking(False)
            code = sock.connect_ex(socket_address)
            while code in _IN_PROGRESS:
                watch.check()
                _, writable, failed = select.select([], [sock], [sock], POLL_SECONDS)
                if writable or failed:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))
        except DownloadCancelledError:
            sock.close()
            raise
        except OSError as failure:  # refused, unreachable, no answer: try the next address
            sock.close()
            error = failure
            watch.heard()  # each address gets the whole limit
            continue
        sock.settimeout(POLL_SECONDS)
        watch.connected = True
        watch.heard()
        sock._watch = watch
        return sock
    raise error if error is not None else OSError(f"no address found for {host}")


class _Connection(http.client.HTTPConnection):
    """An HTTP connection over a watched socket; ``watch_for(host)`` makes its watch."""

    def __init__(self, host: str, *, watch_for: Callable[[str], _Watch], **options) -> None:
        options["timeout"] = POLL_SECONDS
        super().__init__(host, **options)
        self._watch = watch_for(self.host)
        self._create_connection = lambda address, *_: _connect(address, self._watch)


class _TLSConnection(http.client.HTTPSConnection):
    """An HTTPS connection over watched sockets, the TLS handshake included."""

    def __init__(self, host: str, *, watch_for: Callable[[str], _Watch], **options) -> None:
        options["timeout"] = POLL_SECONDS
        super().__init__(host, **options)
        self._watch = watch_for(self.host)
        self._create_connection = lambda address, *_: _connect(address, self._watch)

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # the watched socket, through any proxy
        sock = self._context.wrap_socket(
            self.sock,
            server_hostname=self._tunnel_host or self.host,
            do_handshake_on_connect=False,
        )
        sock._watch = self._watch
        self.sock = sock  # closed by urllib if the handshake fails
        sock.do_handshake()


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watch_for: Callable[[str], _Watch]) -> None:
        super().__init__()
        self._connection = functools.partial(_Connection, watch_for=watch_for)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watch_for: Callable[[str], _Watch]) -> None:
        context = ssl.create_default_context()
        context.sslsocket_class = _WatchedTLSSocket
        super().__init__(context=context)
        self._connection = functools.partial(_TLSConnection, watch_for=watch_for)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


def _opener(limit: float, stop: StopCheck) -> urllib.request.OpenerDirector:
    """urllib's opener (proxies, redirects…) with every connection watched."""

    def watch_for(host: str) -> _Watch:
        return _Watch(host, limit, stop)

    return urllib.request.build_opener(_HTTPHandler(watch_for), _HTTPSHandler(watch_for))


def _fetch(
    url: str,
    out: BinaryIO,
    name: str,
    progress: _Progress,
    opener: urllib.request.OpenerDirector,
    stop: StopCheck,
) -> None:
    """Stream ``url`` into the open binary file ``out``; raise if the transfer is cut short."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with opener.open(request) as response:
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
    opener: urllib.request.OpenerDirector,
    stop: StopCheck,
) -> str | None:
    """Fetch ``url`` into place as ``folder / name``; the reason it failed, or None on success."""
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            _fetch(url, out, name, progress, opener, stop)
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
    opener: urllib.request.OpenerDirector,
    stop: StopCheck,
) -> None:
    """Fetch one file from the first mirror that serves it intact; DownloadError if none does."""
    failures: list[tuple[str, str, bool]] = []  # (url, reason, mirror unreachable)
    for mirror in mirrors:
        _stop_if_asked(stop)
        url = mirror.rstrip("/") + "/" + name
        try:
            reason = _try_mirror(url, folder, name, md5, progress, opener, stop)
        except DownloadError:
            raise
        except urllib.error.HTTPError as error:
            error.close()
            reason = f"HTTP error {error.code} {error.reason}"
        except urllib.error.URLError as error:  # urllib wraps what goes wrong before a response
            if isinstance(error.reason, DownloadError):
                raise error.reason from None
            failures.append((url, f"unreachable ({error.reason})", True))
            continue
        except _StalledError as error:
            reason = str(error)
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
    timeout: float = STALL_SECONDS,
    should_stop: StopCheck = None,
    checksums: Mapping[str, str] | None = None,
) -> Path:
    """Download the four MNIST ``.gz`` files into ``destination`` and return the folder.

    ``destination`` defaults to ``user_data_dir() / "mnist"`` and is created with its parents.
    Files already there whose content matches are kept, not fetched again. ``on_progress(done,
    total)`` gets bytes across all four files (``done`` never decreases; ``total`` is refined
    as servers report sizes, and the last call has ``done == total``). ``should_stop()``
    returning True cancels: DownloadError("download cancelled"), with no temporary file left;
    it is asked at least every :data:`POLL_SECONDS` while connecting or waiting for data.
    ``checksums`` maps each file name to the MD5 of its decompressed content (default:
    MNIST's known values); a mirror that sends nothing for ``timeout`` seconds is given up.
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
    opener = _opener(timeout, should_stop)
    for name in missing:
        _download_file(name, folder, sums[name], mirrors, progress, opener, should_stop)
    progress.report()
    return folder
