"""The E-Port operator IC card (操作员卡): ISO 7816 APDUs, PC/SC readers, the card application and the E-Port
client's local signing service.

Layers, bottom up:

- :mod:`eport.card.apdu`: command/response APDUs, status words, the status-word → exception table;
- :mod:`eport.card.protocol`: the :class:`Transport` protocol and the processor chain (chaining, GET RESPONSE,
  traffic logging with PINs masked);
- :mod:`eport.card.pcsc`: readers and cards through pyscard (needs the ``pcsc`` extra: ``pip install 'eport[pcsc]'``;
  without it, importing the module raises :class:`~eport.errors.MissingExtraError`, the rest of the package works);
- :mod:`eport.card.profile` and :mod:`eport.card.operator`: the operator-card application over any transport;
- :mod:`eport.card.localservice`: the E-Port client's local signing service (needs the ``websocket`` extra);
- :mod:`eport.card.emulator` and :mod:`eport.card.simulator`: a virtual card (in-process or through pcscd/vpcd)
  and a simulator of the local signing service, for tests and demos;
- :mod:`eport.card.signer`: :class:`CardSigner`, the :class:`eport.pki.signer.Signer` over either backend.
"""

from eport.card.apdu import SW, CommandApdu, ResponseApdu, error_for_sw
from eport.card.base import CardInfo, DefaultPinWarning, OperatorCardBackend
from eport.card.operator import OperatorCard
from eport.card.profile import CardProfile, EportCardProfile, HolderData
from eport.card.protocol import CardProtocol, Transport
from eport.card.signer import CardSigner

__all__ = [
    "SW",
    "CardInfo",
    "CardProfile",
    "CardProtocol",
    "CardSigner",
    "CommandApdu",
    "DefaultPinWarning",
    "EportCardProfile",
    "HolderData",
    "OperatorCard",
    "OperatorCardBackend",
    "ResponseApdu",
    "Transport",
    "error_for_sw",
]
