"""PIN change and unlock through each card backend (in process, pcscd + vpcd, the local signing service), sent once
and never retried."""

from __future__ import annotations

import pytest

from eport.card.emulator import DEMO_PIN, DEMO_UNLOCK_CODE, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.errors import ConfigurationError, NotSupportedError, PinError, PinLockedError, PinPolicyError
from eport.services.session import change_pin, unlock_pin
from tests.portal.conftest import Backend


def _block(backend: Backend) -> None:
    for _ in range(backend.emulated.max_tries):
        with pytest.raises((PinError, PinLockedError)):
            backend.card.verify_pin("00000000", allow_last_try=True)
    assert backend.emulated.tries_left == 0


def test_unlock_a_blocked_card_with_the_unlock_code(card_backend: Backend) -> None:
    _block(card_backend)
    with pytest.raises(PinLockedError):
        card_backend.card.verify_pin(DEMO_PIN, allow_last_try=True)
    with pytest.raises(PinError) as info:
        unlock_pin(card_backend.card, "11112222", "13572468")  # wrong unlock code: counted, PIN still blocked
    assert info.value.tries_left == 9
    assert card_backend.emulated.tries_left == 0
    unlock_pin(card_backend.card, DEMO_UNLOCK_CODE, "13572468")
    assert card_backend.emulated.tries_left == card_backend.emulated.max_tries
    card_backend.card.verify_pin("13572468")
    with pytest.raises(PinPolicyError):
        unlock_pin(card_backend.card, DEMO_UNLOCK_CODE, "88888888")


def test_change_pin_through_each_backend(card_backend: Backend) -> None:
    change_pin(card_backend.card, DEMO_PIN, "24681357")
    card_backend.card.verify_pin("24681357")
    with pytest.raises(PinError) as info:
        change_pin(card_backend.card, DEMO_PIN, "11223344")  # the old PIN is gone; one try spent, no retry
    assert card_backend.emulated.tries_left == card_backend.emulated.max_tries - 1
    assert info.value.tries_left in (None, card_backend.emulated.max_tries - 1)


def test_a_card_without_an_unlock_code_refuses_and_a_backend_without_unlock_is_a_configuration_error() -> None:
    card = OperatorCard(InProcessTransport(demo_card(unlock_code=None)))
    with pytest.raises(NotSupportedError):
        unlock_pin(card, DEMO_UNLOCK_CODE, "13572468")
    with pytest.raises(ConfigurationError):
        unlock_pin(object(), DEMO_UNLOCK_CODE, "13572468")
