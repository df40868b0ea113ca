"""Cross-border e-commerce (CEB 跨境电商) message models, generated from the official GACC schemas.

Import and export messages share entity names (``OrderHead``, ``BaseTransfer``…) with different fields, so they
live in separate modules:

* :mod:`eport.edi.ceb.imports` — import messages (进口) CEB311 … CEB900, 202205 edition (default);
* :mod:`eport.edi.ceb.exports` — export messages (出口) CEB303 … CEB792 and CEB213 … CEB216, 202205 edition;
* :mod:`eport.edi.ceb.imports2018`, :mod:`eport.edi.ceb.exports2018` — the 2018 edition (公告2018年第113号).

:func:`to_edition` rebuilds a message with the other edition's classes; :func:`edition_of` tells which one a model
belongs to. Submodules load on first use (each holds about sixty classes), so ``from eport.edi.ceb import imports``
does not pay for the other three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eport._lazy import lazy_exports

if TYPE_CHECKING:
    from eport.edi.ceb import exports, exports2018, imports, imports2018
    from eport.edi.ceb.editions import EDITIONS, edition_of, to_edition

#: Public name → the module that defines it (a name of its own module: the submodule itself).
_LAZY = {
    "imports": "eport.edi.ceb.imports",
    "exports": "eport.edi.ceb.exports",
    "imports2018": "eport.edi.ceb.imports2018",
    "exports2018": "eport.edi.ceb.exports2018",
    "EDITIONS": "eport.edi.ceb.editions",
    "edition_of": "eport.edi.ceb.editions",
    "to_edition": "eport.edi.ceb.editions",
}

__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


__all__ = ["EDITIONS", "edition_of", "exports", "exports2018", "imports", "imports2018", "to_edition"]
