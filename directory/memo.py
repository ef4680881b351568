"""Values each process keeps for a short while.

For data that changes a few times a year but that nearly every request reads (the
taxonomies, whether sample listings are loaded): reading it from this process's memory
saves a query a request. Nothing here is ever derived from what a user typed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from django.db import transaction


class Memo[T]:
    """compute()'s value, computed again once it is older than `seconds`."""

    every: ClassVar[list[Memo]] = []

    def __init__(self, compute: Callable[[], T], seconds: Callable[[], float]) -> None:
        self.compute, self.seconds = compute, seconds
        self.held: tuple[T, float] | None = None  # the value and when it was computed
        Memo.every.append(self)

    def get(self) -> T:
        now = time.monotonic()
        held = self.held
        if held is None or now - held[1] > self.seconds():
            held = self.held = (self.compute(), now)
        return held[0]

    def forget(self) -> None:
        """Compute afresh on the next get()."""
        self.held = None

    def forget_on_change(self, *args: object, **kwargs: object) -> None:
        """A signal receiver for a change to what compute() reads: forget now, for this
        request, and again once the change commits, in case another thread read the old
        rows in between (or the change rolled back)."""
        self.forget()
        transaction.on_commit(self.forget)


def forget_all() -> None:
    """Every memo computes afresh: between tests, whose transactions roll back."""
    for memo in Memo.every:
        memo.forget()
