"""A job run in a worker thread, and the QThread it runs in.

:class:`WorkerThread` runs one worker QObject at a time in a plain QThread (the Qt for Python
pattern): the worker is moved to the thread, ``started`` runs it, its ``finished`` ends the
thread, and both are deleted once the thread has ended. The tabs that run jobs (Train,
Evaluate, Your digits) and the self-test share it, so that each waits for its thread in the same
way: a QThread still running when its owner is deleted aborts the process.

:class:`Worker` is the job side for a job that reports stages and progress: ``run`` calls
:meth:`Worker.work` and turns whatever it raises into a message for the user.
:meth:`Worker.request_stop` only sets an event, so the GUI thread calls it directly while the
job is busy; the job looks at :meth:`Worker.should_stop` between pieces of work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

PROGRESS_INTERVAL = 0.05
"""Seconds between two progress signals: at most 20 a second, so the window never queues up
more repaints than it can draw."""


class Worker(QObject):
    """A job for a worker thread; subclasses do it in :meth:`work`.

    Signals carry plain data (objects made in the worker thread and never touched by it again):
    ``stage`` (what is being done) before each step, ``progress`` (done, total) at most every
    :data:`PROGRESS_INTERVAL` (through :meth:`report_progress`), ``failed`` (a message for the
    user) on an error, and always last ``finished``. A ValueError or OSError (DataError,
    DownloadError, bad input) is told as "Could not ``verb``: …", anything else is logged and
    told as "Unexpected error while ``doing``: …"; once a stop was asked for nothing is told
    (stopping may raise anything).
    """

    stage = Signal(str)
    progress = Signal(int, int)
    failed = Signal(str)
    finished = Signal()

    verb = "work"
    """What the job does, for "Could not …" ("evaluate", "teach")."""
    doing = "working"
    """The same as "Unexpected error while …" says it ("evaluating", "teaching")."""

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()
        self._last_emit = 0.0

    def request_stop(self) -> None:
        """Stop at the next check; nothing more is handed over. Called from any thread."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def should_stop(self) -> bool:
        """True once a stop was asked for: the ``should_stop`` callback the job passes on."""
        return self._stop.is_set()

    @Slot()
    def run(self) -> None:
        """Do the whole job; always ends by emitting ``finished``."""
        try:
            self.work()
        except (ValueError, OSError) as error:
            if not self.stopping:
                self.failed.emit(f"Could not {self.verb}: {error}")
        except Exception as error:  # the thread must report back whatever happens
            if not self.stopping:
                logging.getLogger(type(self).__module__).exception("%s failed", self.doing)
                self.failed.emit(f"Unexpected error while {self.doing}: {error!r}")
        finally:
            self.finished.emit()

    def work(self) -> None:
        """The job, in the worker thread."""
        raise NotImplementedError

    def report_progress(self, done: int, total: int) -> None:
        """Emit ``progress(done, total)`` at the end and at most every
        :data:`PROGRESS_INTERVAL`: the ``progress`` callback the job passes on."""
        now = time.monotonic()
        if done >= total or now - self._last_emit >= PROGRESS_INTERVAL:
            self._last_emit = now
            self.progress.emit(int(done), int(total))


class WorkerThread(QObject):
    """One worker at a time in its own QThread, kept until that thread has ended.

    ``ended`` is emitted in the GUI thread once the thread has ended and the worker and thread
    have been let go (:attr:`is_running` is then False).
    """

    ended = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: QObject | None = None

    @property
    def is_running(self) -> bool:
        """True from :meth:`start` until the thread has ended."""
        return self._thread is not None

    @property
    def qthread(self) -> QThread | None:
        """The QThread the worker runs in, or None (read-only, to check that it ended; named so
        as not to hide ``QObject.thread()``, the thread this object lives in)."""
        return self._thread

    @property
    def worker(self) -> QObject | None:
        """The worker running, or None."""
        return self._worker

    def start(self, worker: QObject) -> None:
        """Move ``worker`` (a QObject with a ``run`` slot and a ``finished`` signal) to a new
        QThread and start it. Connect the worker's signals before: connected after
        ``finished`` here, a slot of the caller's would run after the thread was asked to
        quit."""
        if self._thread is not None:
            raise RuntimeError("a worker is still running")
        thread = QThread()
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        thread.finished.connect(thread.deleteLater)
        # The worker is not deleteLater'd in its own thread: its C++ destructor would look for
        # Python overrides (taking the GIL) while holding a Qt connection lock the GUI thread
        # may be waiting for with the GIL held, a deadlock. The last reference, dropped in the
        # GUI thread once the thread has ended, deletes it there.
        self._thread, self._worker = thread, worker  # kept until the thread has finished
        thread.start()

    def stop_and_wait(
        self, stop: Callable[[], object] | None = None, timeout_ms: int | None = None
    ) -> bool:
        """Ask the worker to stop (``stop()``, by default its ``request_stop``) and wait for its
        thread to end, at most ``timeout_ms`` when given; True once it has ended (or when none
        runs). The window calls this when closing."""
        thread, worker = self._thread, self._worker
        if thread is None or worker is None:
            return True
        (stop or worker.request_stop)()
        thread.quit()
        return thread.wait() if timeout_ms is None else thread.wait(timeout_ms)

    @Slot()
    def _on_thread_finished(self) -> None:
        # ``finished`` is emitted just *before* the thread ends: wait for the end, or dropping
        # the last reference here could destroy a running QThread.
        if self._thread is not None:
            self._thread.wait()
        self._thread = self._worker = None
        self.ended.emit()
