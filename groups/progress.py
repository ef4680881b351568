"""Progress of the long management commands (import_groups, load_places, generate_groups).

On a terminal: a tqdm bar with counts, rate and time left, redrawn in place. Otherwise
(a pipe, a log file, cron): a plain line at each tenth of the way (no more than one every
two seconds) and at least every half minute, then one at the end, so a log shows how far
a run got without filling up. --quiet: nothing.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

from django.core.management.base import OutputWrapper
from tqdm import tqdm

LINE_STEPS = 10  # plain lines at a tenth of the total,
LINE_GAP_SECONDS = 2.0  # if this long has passed since the last (a quick run says it once),
LINE_INTERVAL_SECONDS = 30.0  # and at least this often whatever the tenths


class Track(Protocol):
    def __call__[T](self, items: Iterable[T], *, total: int | None, desc: str) -> Iterable[T]: ...


def untracked[T](items: Iterable[T], *, total: int | None, desc: str) -> Iterable[T]:
    """A Track that reports nothing: the default for code called outside a command."""
    return items


def duration(seconds: float) -> str:
    """12s, 3m05s, 1h02m."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class _Counter:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        """The work stopped with an error: the command says what went wrong."""
        self.close()


class _Bar(_Counter):
    """A tqdm bar on the command's stdout."""

    def __init__(self, out: OutputWrapper, *, total: int | None, desc: str, unit: str) -> None:
        self.bar = tqdm(
            total=total,
            desc=desc,
            unit=f" {unit}",
            file=_Unwrapped(out),
            leave=True,
            mininterval=0.2,
            # A terminal that reports no width (0 columns) would get an empty bar.
            ncols=min(shutil.get_terminal_size().columns or 80, 100),
            disable=False,
        )

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


class _Lines(_Counter):
    """Plain lines: at each tenth of the total (at most one every LINE_GAP_SECONDS), at
    least every LINE_INTERVAL_SECONDS, and once at the end."""

    def __init__(
        self,
        out: OutputWrapper,
        *,
        total: int | None,
        desc: str,
        unit: str,
        clock: Callable[[], float],
    ) -> None:
        self.out, self.total, self.desc, self.unit, self.clock = out, total, desc, unit, clock
        self.done = 0
        self.started = self.last_line = clock()
        self.step = 0  # the last tenth reported

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if self.total:
            step = min(LINE_STEPS, math.floor(self.done * LINE_STEPS / self.total))
            since = now - self.last_line
            if (step > self.step and since >= LINE_GAP_SECONDS) or since >= LINE_INTERVAL_SECONDS:
                self.step = step
                self._line(now)
        elif now - self.last_line >= LINE_INTERVAL_SECONDS:
            self._line(now)

    def abort(self) -> None:
        pass

    def close(self) -> None:
        if self.total and self.step >= LINE_STEPS and self.done >= self.total:
            return  # the 100% line is out already
        if self.done or self.total:
            self._line(self.clock(), final=True)

    def _line(self, now: float, final: bool = False) -> None:
        self.last_line = now
        elapsed = now - self.started
        if self.total:
            percent = math.floor(self.done * 100 / self.total)
            text = f"{self.desc}: {self.done:,} of {self.total:,} {self.unit} ({percent}%)"
            if self.done >= self.total:
                text += f" in {duration(elapsed)}"
            elif self.done:
                left = elapsed / self.done * (self.total - self.done)
                text += f", {duration(elapsed)} so far, about {duration(left)} left"
        else:
            text = f"{self.desc}: {self.done:,} {self.unit} {'in' if final else 'so far,'}"
            text += f" {duration(elapsed)}"
        self.out.write(text)
        self.out.flush()


class _Unwrapped:
    """The command's stdout as tqdm needs it: without the newline OutputWrapper adds."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()

    def fileno(self) -> int:
        return self.out.fileno()

    @property
    def encoding(self) -> str | None:
        # tqdm draws a smooth Unicode bar only when it knows the stream takes Unicode.
        return getattr(self.out, "encoding", None)


class Progress:
    """How one command run reports progress: a bar if stdout is a terminal, plain lines
    if not, nothing if quiet."""

    def __init__(
        self,
        stdout: OutputWrapper | TextIO,
        *,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = stdout if isinstance(stdout, OutputWrapper) else OutputWrapper(stdout)
        self.quiet = quiet
        self.clock = clock

    @property
    def mode(self) -> str:
        if self.quiet:
            return "quiet"
        return "bar" if self.out.isatty() else "lines"

    @contextmanager
    def counter(self, *, total: int | None, desc: str, unit: str = "") -> Iterator[Any]:
        """A counter to update(n) as work is done; reports as the mode says."""
        if self.mode == "quiet" or total == 0:
            counter: _Counter = _Counter()
        elif self.mode == "bar":
            counter = _Bar(self.out, total=total, desc=desc, unit=unit)
        else:
            counter = _Lines(self.out, total=total, desc=desc, unit=unit, clock=self.clock)
        try:
            yield counter
        except BaseException:
            counter.abort()
            raise
        counter.close()

    def track[T](
        self, items: Iterable[T], *, total: int | None, desc: str, unit: str = ""
    ) -> Iterator[T]:
        """The items, counted as they are taken."""
        with self.counter(total=total, desc=desc, unit=unit) as counter:
            for item in items:
                yield item
                counter.update(1)

    def tracker(self, unit: str) -> Track:
        """A Track for code that takes one (such as groups.importing.import_groups)."""

        def track[T](items: Iterable[T], *, total: int | None, desc: str) -> Iterable[T]:
            return self.track(items, total=total, desc=desc, unit=unit)

        return track
