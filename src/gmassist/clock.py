"""The injected, tz-aware "now": every piece of code that needs the time takes a Clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from dateutil import tz


class Clock(Protocol):
    """Something that tells the current time, always tz-aware."""

    def now(self) -> datetime: ...


def local_zone() -> tzinfo:
    """The machine's local time zone (dateutil's view of it)."""
    zone = tz.tzlocal()
    assert zone is not None
    return zone


@dataclass
class SystemClock:
    """The real clock, in the local zone unless another zone is given."""

    zone: tzinfo = field(default_factory=local_zone)

    def now(self) -> datetime:
        """The current time in `zone`."""
        return datetime.now(self.zone)


@dataclass
class FrozenClock:
    """A clock that only moves when told to: for tests and reproducible output."""

    current: datetime

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise ValueError("FrozenClock needs a tz-aware datetime")

    def now(self) -> datetime:
        """The frozen time."""
        return self.current

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self.current += delta
