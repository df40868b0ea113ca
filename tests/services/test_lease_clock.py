"""Leases are wall-clock times, and wall clocks are set back (a wrong NTP server fixed, a VM restored, an operator).
A lease taken before such a jump must not keep another machine's rows from recovery for the size of the jump: a
lease that ends further ahead than its own length is suspect and treated as run out. The clock is injected."""

from __future__ import annotations

from pathlib import Path

import pytest

from eport.services import Journal, business_info
from eport.services.journal_rows import CLOCK_SLACK, lease_expired
from tests.services.helpers import inventory

ELSEWHERE = "another-host|4242|abcdef"  # a client on another machine: only its lease protects its rows
LEASE = 600.0


class Clock:
    """A settable wall clock (seconds since the epoch)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _recorded_elsewhere(path: Path, clock: Clock) -> None:
    with Journal(path, clock=clock) as journal:
        journal.record_many(
            [("cop-1", business_info(inventory("A")), b"<env/>", None)], transport="t", owner=ELSEWHERE, lease=LEASE
        )


def _claimed(path: Path, clock: Clock) -> list[str]:
    with Journal(path, clock=clock) as journal:
        return [s.cop_msg_id for s in journal.claim_unsent("t", "this-host|1|me", lease=LEASE)]


@pytest.mark.parametrize("jump", [LEASE + CLOCK_SLACK + 1, 3600.0, 86400.0 * 365])
def test_a_clock_set_back_does_not_delay_recovery_of_another_machines_rows(tmp_path: Path, jump: float) -> None:
    clock = Clock(1_800_000_000.0)
    _recorded_elsewhere(tmp_path / "j.db", clock)
    clock.now -= jump  # the lease now seems to end `jump + LEASE` seconds ahead
    assert _claimed(tmp_path / "j.db", clock) == ["cop-1"]


@pytest.mark.parametrize("back", [0.0, 0.5, CLOCK_SLACK])
def test_a_live_lease_is_kept_while_the_clock_is_steady_or_barely_stepped_back(tmp_path: Path, back: float) -> None:
    clock = Clock(1_800_000_000.0)
    _recorded_elsewhere(tmp_path / "j.db", clock)
    clock.now -= back
    assert _claimed(tmp_path / "j.db", clock) == []
    clock.now += back + LEASE - 1  # still inside the lease
    assert _claimed(tmp_path / "j.db", clock) == []
    clock.now += 2  # the lease ran out
    assert _claimed(tmp_path / "j.db", clock) == ["cop-1"]


def test_a_taken_lease_is_renewed_with_the_claimers_length(tmp_path: Path) -> None:
    clock = Clock(1_800_000_000.0)
    _recorded_elsewhere(tmp_path / "j.db", clock)
    clock.now -= 10_000
    assert _claimed(tmp_path / "j.db", clock) == ["cop-1"]
    with Journal(tmp_path / "j.db", clock=clock) as journal:  # the new owner's lease holds against a third client
        assert journal.claim_unsent("t", "third-host|9|zz", lease=LEASE) == []


@pytest.mark.parametrize(
    ("until", "length", "expired"),
    [
        (1000.0, 60.0, False),
        (999.0, 60.0, True),
        (1061.0 + CLOCK_SLACK, 60.0, True),
        (1060.0 + CLOCK_SLACK, 60.0, False),
        (1500.0, None, False),  # a row leased by an older eport: the claimer's length (600) bounds it
        (1601.0 + CLOCK_SLACK, None, True),
        (float("inf"), 60.0, True),
        (float("nan"), 60.0, True),
        ("soon", 60.0, True),
        (True, 60.0, True),
        (1030.0, "x", False),
    ],
)
def test_lease_expired_rule(until: object, length: object, expired: bool) -> None:
    assert lease_expired(until, length, 1000.0, 600.0) is expired
