"""Fixtures of the services tests: a loopback gateway per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.helpers import Gateway


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    yield server
    server.close()
