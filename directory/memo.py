"""Values each process keeps for a short while.

For data that changes a few times a year but that nearly every request reads (the
taxonomies, whether sample listings are loaded): reading it from this process's memory
saves a query a request. Nothing here is ever derived from what a user typed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar


class Memo[T]:
    """compute()'s value, computed again once it is older than `seconds`."""

    every: ClassVar[list[Memo]] = []

    def __init__(self, compute: Callable[[], T], seconds: Callable[[], float]) -> None:
        self.compute, self.seconds = compute, seconds
        self.value: T | None = None
        self.computed_at: float | None = None
        Memo.every.append(self)

    def get(self) -> T:
        now = time.monotonic()
        if self.computed_at is None or now - self.computed_at > self.seconds():
            self.value, self.computed_at = self.compute(), now
        return self.value  # type: ignore[return-value]

    def forget(self, *args: object, **kwargs: object) -> None:
        """Compute afresh on the next get() (also a signal receiver, hence *args)."""
        self.computed_at = None


def forget_all() -> None:
    """Every memo computes afresh: between tests, whose transactions roll back."""
    for memo in Memo.every:
        memo.forget()
