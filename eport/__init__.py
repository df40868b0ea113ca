"""eport: Python SDK for China E-Port (中国电子口岸) and the Single Window (国际贸易单一窗口).

Subpackages:

* :mod:`eport.card` -- ISO 7816 APDUs, PC/SC readers, the E-Port operator IC card (操作员卡) and the
  E-Port client's local signing service.
* :mod:`eport.pki` -- certificates, trust store (root CA install), chain validation, signing and verification.
* :mod:`eport.edi` -- typed models, encoders, decoders and validation for customs messages (CEB, 报关单, 舱单, DXP).
* :mod:`eport.services` -- clients for clearance, refund and verification services, and the local sandbox.

Layering: ``edi`` is pure and imports no other eport package; ``pki`` never imports ``card`` or ``services``;
``services`` composes the others; the CLI sits on top.
"""

from eport.errors import EportError

__version__ = "0.1.0.dev0"

__all__ = ["EportError", "__version__"]
