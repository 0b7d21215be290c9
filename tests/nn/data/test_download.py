"""download_mnist against real servers on 127.0.0.1: an HTTP server serving small files made
here, and servers that accept a connection and then send nothing (or half a file)."""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest

from nn.data.download import FILE_NAMES, DownloadCancelledError, DownloadError, download_mnist
from nn.data.idx import encode_images, encode_labels


class _Handler(BaseHTTPRequestHandler):
    """``/<mode>/<file name>``: mode ``good`` serves the file, ``corrupt`` a valid gzip of other
    content, ``truncated`` announces the full length but sends half, ``missing`` answers 404."""

    server: _MirrorServer

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        mode, _, name = self.path.strip("/").partition("/")
        body = self.server.files.get(name)
        if body is None or mode not in ("good", "corrupt", "truncated"):
            self.send_error(404)
            return
        if mode == "corrupt":
            body = gzip.compress(b"\x00" * len(body), mtime=0)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class _MirrorServer(HTTPServer):
    files: dict[str, bytes]
    requests: list[str]

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}/"


def _fake_files() -> dict[str, bytes]:
    """Small gzipped IDX files under MNIST's names; the images span several read chunks."""
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, size=(300, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, size=300, dtype=np.uint8)
    raw = [encode_images(images), encode_labels(labels)] * 2
    return {name: gzip.compress(data, mtime=0) for name, data in zip(FILE_NAMES, raw, strict=True)}


def _checksums(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.md5(gzip.decompress(body)).hexdigest() for name, body in files.items()}


@pytest.fixture(autouse=True)
def _no_proxy_no_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Talk to 127.0.0.1 directly, and keep the real user data folder out of reach."""
    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    for variable in ("HOME", "XDG_DATA_HOME", "APPDATA"):
        monkeypatch.setenv(variable, str(tmp_path / "home"))


@pytest.fixture
def server() -> Iterator[_MirrorServer]:
    httpd = _MirrorServer(("127.0.0.1", 0), _Handler)
    httpd.files = _fake_files()
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _download(server: _MirrorServer, folder: Path, modes: tuple[str, ...], **kwargs) -> Path:
    mirrors = [server.url(mode) for mode in modes]
    checksums = _checksums(server.files)
    return download_mnist(folder, mirrors=mirrors, checksums=checksums, timeout=5, **kwargs)


@pytest.mark.mnist
def test_known_checksums_match_the_full_set(mnist_dir: Path, tmp_path: Path) -> None:
    """The full set (linked, not copied) verifies with the default checksums: nothing fetched."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in FILE_NAMES:
        (folder / name).symlink_to(mnist_dir / name)
    calls: list[tuple[int, int]] = []
    unreachable = ["http://127.0.0.1:9/"]  # never contacted: every file is already verified
    download_mnist(folder, on_progress=lambda *c: calls.append(c), mirrors=unreachable)
    total = sum((mnist_dir / name).stat().st_size for name in FILE_NAMES)
    assert calls == [(total, total), (total, total)]


def test_downloads_all_files_with_monotonic_progress(server: _MirrorServer, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    destination = tmp_path / "new" / "mnist"
    folder = _download(server, destination, ("good",), on_progress=lambda *c: calls.append(c))
    assert folder == destination
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILE_NAMES)
    for name, body in server.files.items():
        assert (folder / name).read_bytes() == body
    total = sum(len(body) for body in server.files.values())
    done = [d for d, _ in calls]
    assert len(calls) > len(FILE_NAMES) and done == sorted(done)
    assert all(0 <= d <= t for d, t in calls)
    assert calls[-1] == (total, total)


def test_second_call_fetches_nothing(server: _MirrorServer, tmp_path: Path) -> None:
    _download(server, tmp_path, ("good",))
    assert len(server.requests) == len(FILE_NAMES)
    _download(server, tmp_path, ("good",))
    assert len(server.requests) == len(FILE_NAMES)


def test_only_missing_or_bad_files_are_fetched(server: _MirrorServer, tmp_path: Path) -> None:
    _download(server, tmp_path, ("good",))
    (tmp_path / FILE_NAMES[1]).unlink()
    (tmp_path / FILE_NAMES[2]).write_bytes(b"not gzip at all")
    server.requests.clear()
    _download(server, tmp_path, ("good",))
    assert server.requests == [f"/good/{FILE_NAMES[1]}", f"/good/{FILE_NAMES[2]}"]
    assert (tmp_path / FILE_NAMES[2]).read_bytes() == server.files[FILE_NAMES[2]]


def test_default_destination_is_the_user_data_folder(server: _MirrorServer, tmp_path: Path):
    checksums = _checksums(server.files)
    folder = download_mnist(mirrors=[server.url("good")], checksums=checksums, timeout=5)
    assert folder == tmp_path / "home" / "DigitRecognizer" / "mnist"
    assert all((folder / name).is_file() for name in FILE_NAMES)


@pytest.mark.parametrize("bad", ["corrupt", "truncated", "missing"])
def test_falls_over_to_the_next_mirror(server: _MirrorServer, tmp_path: Path, bad: str) -> None:
    calls: list[tuple[int, int]] = []
    _download(server, tmp_path, (bad, "good"), on_progress=lambda *c: calls.append(c))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILE_NAMES)
    for name, body in server.files.items():
        assert (tmp_path / name).read_bytes() == body
    assert server.requests == [f"/{m}/{name}" for name in FILE_NAMES for m in (bad, "good")]
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1][0] == calls[-1][1]


@pytest.mark.parametrize("bad", ["corrupt", "truncated"])
def test_bad_download_leaves_no_file(server: _MirrorServer, tmp_path: Path, bad: str) -> None:
    with pytest.raises(DownloadError) as caught:
        _download(server, tmp_path, (bad,))
    message = str(caught.value)
    assert FILE_NAMES[0] in message and "MNIST_DIR" in message
    assert ("checksum" if bad == "corrupt" else "connection closed") in message
    assert list(tmp_path.iterdir()) == []


def test_no_network_says_how_to_use_local_files(closed_port: int, tmp_path: Path) -> None:
    mirrors = [f"http://127.0.0.1:{closed_port}/a/", f"http://127.0.0.1:{closed_port}/b/"]
    with pytest.raises(DownloadError, match="no network") as caught:
        download_mnist(tmp_path / "mnist", mirrors=mirrors, timeout=5)
    message = str(caught.value)
    assert "set MNIST_DIR to a folder holding the four MNIST IDX files" in message
    assert "--data DIR" in message
    assert list((tmp_path / "mnist").iterdir()) == []


def _assert_no_temporary_files(server: _MirrorServer, folder: Path) -> list[str]:
    """The names left in ``folder``, after checking each is a complete served file."""
    left = sorted(p.name for p in folder.iterdir())
    for name in left:
        assert name in FILE_NAMES
        assert (folder / name).read_bytes() == server.files[name]
    return left


def test_cancel_before_starting(server: _MirrorServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"^download cancelled$") as caught:
        _download(server, tmp_path, ("good",), should_stop=lambda: True)
    assert isinstance(caught.value, DownloadCancelledError)
    assert server.requests == []
    assert _assert_no_temporary_files(server, tmp_path) == []


def test_cancel_in_the_middle_of_a_file(server: _MirrorServer, tmp_path: Path) -> None:
    done: list[int] = []
    with pytest.raises(DownloadError, match="download cancelled"):
        _download(
            server,
            tmp_path,
            ("good",),
            on_progress=lambda d, t: done.append(d),
            should_stop=lambda: bool(done) and done[-1] > 0,
        )
    assert 0 < done[-1] < len(server.files[FILE_NAMES[0]])  # stopped inside the first file
    assert _assert_no_temporary_files(server, tmp_path) == []


def test_cancel_between_files_keeps_finished_ones(server: _MirrorServer, tmp_path: Path) -> None:
    first = tmp_path / FILE_NAMES[0]
    with pytest.raises(DownloadError, match="download cancelled"):
        _download(server, tmp_path, ("good",), should_stop=first.exists)
    assert _assert_no_temporary_files(server, tmp_path) == [FILE_NAMES[0]]
    assert server.requests == [f"/good/{FILE_NAMES[0]}"]


# ---- servers that stall: stop and the stall limit


class _StallingServer:
    """Accepts connections on 127.0.0.1 and sends ``prefix`` on each (nothing by default), then
    nothing more: no response, or a response cut off mid-file. Holds every connection until
    :meth:`close` or for ``lifetime`` seconds, then closes them and stops by itself."""

    def __init__(self, prefix: bytes = b"", lifetime: float = 10.0) -> None:
        self.prefix = prefix
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.accepted = threading.Event()
        self._closing = threading.Event()
        self._deadline = time.monotonic() + lifetime
        self._thread = threading.Thread(target=self._serve, name="stalling-server")
        self._thread.start()

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.listener.getsockname()[1]}/"

    def _serve(self) -> None:
        held: list[socket.socket] = []
        try:
            while not self._closing.is_set() and time.monotonic() < self._deadline:
                try:
                    connection, _ = self.listener.accept()
                except TimeoutError:
                    continue
                held.append(connection)
                if self.prefix:
                    connection.sendall(self.prefix)
                self.accepted.set()
        finally:
            for connection in held:
                connection.close()
            self.listener.close()

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=5)


@pytest.fixture
def stalling() -> Iterator[Callable[..., _StallingServer]]:
    servers: list[_StallingServer] = []

    def start(prefix: bytes = b"") -> _StallingServer:
        servers.append(_StallingServer(prefix))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _half_a_file(files: dict[str, bytes]) -> bytes:
    """An HTTP response announcing the first file whole but carrying only half of it."""
    body = files[FILE_NAMES[0]]
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    return head + body[: len(body) // 2]


class _StopAfter:
    """A ``should_stop`` that says True once ``ready()`` holds and it has then been asked
    ``times`` more times: it can only say so if the download keeps asking while it waits."""

    def __init__(self, ready: Callable[[], bool], times: int = 3) -> None:
        self.ready, self.times, self.asked_when_ready = ready, times, 0

    def __call__(self) -> bool:
        if self.ready():
            self.asked_when_ready += 1
        return self.asked_when_ready > self.times


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_stop_ends_a_download_from_a_server_that_sends_nothing(
    stalling, tmp_path: Path, scheme: str
) -> None:
    """Without polling, the 30-s stall limit would outlast the server (10 s), which then hangs up:
    a different error. Over https the wait is in the TLS handshake."""
    server = stalling()
    stop = _StopAfter(server.accepted.is_set)
    with pytest.raises(DownloadCancelledError, match=r"^download cancelled$"):
        download_mnist(tmp_path, mirrors=[server.url(scheme)], should_stop=stop)
    assert stop.asked_when_ready == 4
    assert list(tmp_path.iterdir()) == []


def test_stop_ends_a_download_stalled_in_the_middle_of_a_file(
    stalling, server: _MirrorServer, tmp_path: Path
) -> None:
    stalled = stalling(_half_a_file(server.files))
    done: list[int] = []
    stop = _StopAfter(lambda: bool(done) and done[-1] > 0)
    with pytest.raises(DownloadCancelledError):
        download_mnist(
            tmp_path,
            mirrors=[stalled.url()],
            checksums=_checksums(server.files),
            on_progress=lambda d, t: done.append(d),
            should_stop=stop,
        )
    assert 0 < done[-1] <= len(server.files[FILE_NAMES[0]]) // 2
    assert list(tmp_path.iterdir()) == []


def test_a_server_silent_for_the_stall_limit_is_given_up(
    stalling, closed_port: int, tmp_path: Path
) -> None:
    """Given up after ``timeout`` seconds without data, with a message that says so; meanwhile
    the download asked ``should_stop`` every quarter of a second or so."""
    server = stalling()
    asked: list[float] = []

    def should_stop() -> bool:
        asked.append(time.monotonic())
        return False

    mirrors = [server.url(), f"http://127.0.0.1:{closed_port}/"]
    with pytest.raises(DownloadError) as caught:
        download_mnist(tmp_path, mirrors=mirrors, timeout=1.0, should_stop=should_stop)
    message = str(caught.value)
    assert f"{server.url()}{FILE_NAMES[0]}: no data from 127.0.0.1 for 1 s" in message
    assert "MNIST_DIR" in message
    assert len(asked) >= 4
    assert list(tmp_path.iterdir()) == []


def test_a_file_stalled_halfway_is_fetched_from_the_next_mirror(
    stalling, server: _MirrorServer, tmp_path: Path
) -> None:
    stalled = stalling(_half_a_file(server.files))
    folder = download_mnist(
        tmp_path,
        mirrors=[stalled.url(), server.url("good")],
        checksums=_checksums(server.files),
        timeout=0.5,
    )
    for name, body in server.files.items():
        assert (folder / name).read_bytes() == body
    assert server.requests == [f"/good/{name}" for name in FILE_NAMES]
