"""Reading files for :mod:`eport.edi`, which opens none: it takes bytes, open files and DataFrames.

::

    from eport.files import read_declarations

    result = read_declarations("waybills.xlsx", sheet="运单", defaults={"OperType": "G", "DeclTrnRel": "0"})
    result.messages          # tuple of DecMessage, in sheet order

For customs messages read the bytes yourself (``Path("CEB311.xml").read_bytes()``) and call ``eport.edi.decode``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from eport.edi.sheets import SheetImport
from eport.edi.sheets import read_declarations as read_open_declarations
from eport.errors import ConfigurationError

if TYPE_CHECKING:
    from eport.edi.codes import CodeBook, Generation
    from eport.edi.dec import Level


def read_declarations(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
    generation: Generation | None = None,
    level: Level | None = None,
    codebook: CodeBook | None = None,
) -> SheetImport:
    """Open a declaration sheet (``.xlsx``, ``.xls`` or ``.csv``) and build its declarations.

    The file is opened read-only and closed before this returns; the work is
    :func:`eport.edi.sheets.read_declarations` (see there for the arguments and the columns).

    Raises:
        ConfigurationError: the file cannot be opened or read, or the sheet is not usable.
    """
    try:
        with open(path, "rb") as fh:
            return read_open_declarations(
                fh,
                sheet=sheet,
                mapping=mapping,
                defaults=defaults,
                generation=generation,
                level=level,
                codebook=codebook,
            )
    except OSError as exc:
        raise ConfigurationError(f"cannot read {os.fspath(path)}: {exc.strerror or exc}") from exc


__all__ = ["read_declarations"]
