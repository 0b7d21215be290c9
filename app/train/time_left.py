"""Estimating how long a training run still needs (Qt-free, so it is tested without widgets)."""

from __future__ import annotations


def describe_seconds_left(seconds: float) -> str:
    """A rounded, human phrase: "a few seconds left", "about 40 s left", "about 3 min left"."""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 90:
        return f"about {int(round(seconds / 5) * 5)} s left"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min left"
    return f"about {seconds / 3600:.1f} h left"


class TimeLeftEstimator:
    """Time left in a run of ``epochs`` epochs, from the epochs done and the current one's pace.

    Times are ``time.monotonic()`` readings passed in by the caller; time spent paused is not
    counted. An epoch's length is the mean of the finished epochs, or, during the first epoch,
    extrapolated from its progress so far.
    """

    def __init__(self, epochs: int, now: float) -> None:
        self.epochs = epochs
        self.epoch = 0  # the epoch in progress, from 0
        self.fraction = 0.0  # how much of it is done
        self._durations: list[float] = []
        self._epoch_start = now
        self._paused_at: float | None = None
        self._paused_in_epoch = 0.0

    def __repr__(self) -> str:
        return f"TimeLeftEstimator(epoch={self.epoch}/{self.epochs}, fraction={self.fraction:.2f})"

    def update(self, done: int, total: int, now: float) -> None:
        """Samples ``done`` of ``total`` in the current epoch."""
        self.fraction = done / total if total else 0.0

    def finish_epoch(self, seconds: float, now: float) -> None:
        """The current epoch ended after ``seconds`` of work; the next one starts ``now``."""
        self._durations.append(seconds)
        self.epoch += 1
        self.fraction = 0.0
        self._epoch_start = now
        self._paused_in_epoch = 0.0

    def pause(self, now: float) -> None:
        if self._paused_at is None:
            self._paused_at = now

    def resume(self, now: float) -> None:
        if self._paused_at is not None:
            self._paused_in_epoch += now - self._paused_at
            self._paused_at = None

    def seconds_left(self, now: float) -> float | None:
        """Estimated seconds to the end of the run, or None while there is too little to go on."""
        if self._durations:
            epoch_length = sum(self._durations) / len(self._durations)
        else:
            paused = self._paused_in_epoch
            if self._paused_at is not None:
                paused += now - self._paused_at
            elapsed = now - self._epoch_start - paused
            if self.fraction < 0.02 or elapsed <= 0:
                return None
            epoch_length = elapsed / self.fraction
        epochs_after = max(0, self.epochs - self.epoch - 1)
        return (1 - self.fraction) * epoch_length + epochs_after * epoch_length
