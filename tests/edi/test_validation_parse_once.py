"""validate_bytes reads each document once: the XSD check and the lenient decoder share one tree."""

from __future__ import annotations

import pytest

from eport import edi
from tests.edi.test_batch import receipt


def test_validate_bytes_parses_a_document_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The XSD check and the lenient decoder share one tree (the document used to be parsed twice)."""
    from eport.edi.core import decoding, safexml

    calls = []
    real = safexml.parse

    def counting(data: bytes, **kwargs: object) -> object:
        calls.append(len(data))
        return real(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(safexml, "parse", counting)
    monkeypatch.setattr(decoding, "parse", counting)
    report = edi.validate_bytes(receipt(1))
    assert report.ok
    assert calls == [len(receipt(1))]
