"""Fixtures of the card tests: a real pcscd with the vpcd driver, emulated cards inserted through vpcd, and the
three backends (in-process emulator, PC/SC through pcscd, local-service simulator over a WebSocket)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from eport.card import pcsc
from eport.card.base import OperatorCardBackend
from eport.card.emulator import EmulatedCard, InProcessTransport, VpcdCard, demo_card
from eport.card.operator import OperatorCard
from eport.pki.signer import KeyAlgorithm
from tests.card.pcscd import READER, PcscdUnavailable, running_pcscd, vpcd_port
from tests.prerequisites import unavailable


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A running pcscd with the vpcd readers: reuses one that runs, else starts ``pcscd --foreground`` (root)."""
    try:
        with running_pcscd(tmp_path_factory.mktemp("pcscd")):
            yield
    except PcscdUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture
def insert(pcscd: None) -> Iterator[object]:
    """A function that inserts an emulated card into the first vpcd reader; removed (and waited for) at teardown."""
    inserted: list[VpcdCard] = []

    def _insert(card: EmulatedCard) -> VpcdCard:
        vpcd = VpcdCard(card, port=vpcd_port())
        vpcd.insert()
        inserted.append(vpcd)
        pcsc.wait_for_card(READER, timeout=5)
        return vpcd

    yield _insert
    for vpcd in inserted:
        vpcd.remove()
    # pcscd polls the driver about every 0.4 s: wait until it saw the removal, or the next card races it.
    pcsc.wait_for_removal(READER, timeout=5)


@dataclass
class Backend:
    """An operator-card backend under test and the emulated card behind it."""

    name: str
    card: OperatorCardBackend
    emulated: EmulatedCard


BACKENDS = ["inprocess", pytest.param("pcscd", marks=pytest.mark.pcscd), "localservice"]


def make_backend(request: pytest.FixtureRequest, name: str, emulated: EmulatedCard) -> Iterator[Backend]:
    """Yield a backend of kind ``name`` over ``emulated``."""
    if name == "inprocess":
        yield Backend(name, OperatorCard(InProcessTransport(emulated)), emulated)
    elif name == "pcscd":
        request.getfixturevalue("pcscd")
        insert = request.getfixturevalue("insert")
        insert(emulated)
        transport = pcsc.connect(READER)
        try:
            yield Backend(name, OperatorCard(transport), emulated)
        finally:
            transport.close()
    else:
        from eport.card.localservice import LocalServiceCard, LocalServiceClient
        from eport.card.simulator import LocalServiceSimulator

        key = KeyAlgorithm.RSA
        with LocalServiceSimulator(emulated, key_algorithm=key) as simulator:
            client = LocalServiceClient(simulator.url, timeout=10)
            try:
                yield Backend(name, LocalServiceCard(client), emulated)
            finally:
                client.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The demo card (PIN DEMO_PIN, 5 tries) behind each backend in turn."""
    yield from make_backend(request, request.param, demo_card())


@pytest.fixture(params=BACKENDS)
def backend_factory(request: pytest.FixtureRequest) -> Iterator[object]:
    """A function ``(emulated_card) -> Backend`` for tests that need a specially configured card."""
    generators: list[Iterator[Backend]] = []

    def _make(emulated: EmulatedCard) -> Backend:
        generator = make_backend(request, request.param, emulated)
        generators.append(generator)
        return next(generator)

    yield _make
    for generator in generators:
        for _ in generator:
            pass
