"""CEB editions: decode and encode both, convert between them, refuse what an edition cannot express."""

from __future__ import annotations

import pytest

from eport.edi import decode, encode
from eport.edi.ceb import edition_of, exports, exports2018, imports, imports2018, to_edition
from eport.errors import ConfigurationError, EncodeError
from tests.edi import samples

IMPORT_VALID = [k for k in samples.valid_keys() if k.startswith("import/")]
EXPORT_2018 = [
    k for k in samples.valid_keys() if k.startswith("export/") and k[10:13] not in {"213", "214", "215", "216"}
]


@pytest.mark.parametrize("key", IMPORT_VALID + EXPORT_2018)
def test_samples_decode_in_the_2018_edition_and_convert_back(key: str) -> None:
    sample = samples.load(key)
    old = decode(sample.data, edition="2018")
    assert edition_of(old) == "2018"
    assert type(old).__module__.startswith("eport.edi.ceb._generated.ceb2018")
    new = decode(sample.data)
    assert edition_of(new) == "202205"
    assert to_edition(old, "202205") == new
    assert to_edition(new, "2018") == old
    assert samples.canonical(encode(old)) == samples.canonical(sample.data)
    assert encode(new, edition="2018") == encode(old)
    assert samples.xsd_errors(encode(old), f"ceb-{sample.direction}", "2018") == []


def test_export_return_messages_do_not_exist_in_2018() -> None:
    message = decode(samples.load("export/CEB215Message.xml").data)
    with pytest.raises(EncodeError) as info:
        to_edition(message, "2018")
    assert info.value.path == "/CEB215Message"
    with pytest.raises(EncodeError):
        encode(message, edition="2018")


def test_same_edition_is_returned_unchanged() -> None:
    bt = imports.BaseTransfer(cop_code="1", cop_name="n", dxp_mode="DXP", dxp_id="1")
    assert to_edition(bt, "202205") is bt
    assert type(to_edition(bt, "2018")) is imports2018.BaseTransfer
    assert type(to_edition(exports.BaseTransfer(cop_code="1", cop_name="n", dxp_mode="DXP", dxp_id="1"), "2018")) is (
        exports2018.BaseTransfer
    )


def test_bad_editions_and_non_ceb_models() -> None:
    bt = imports.BaseTransfer(cop_code="1", cop_name="n", dxp_mode="DXP", dxp_id="1")
    with pytest.raises(ConfigurationError):
        to_edition(bt, "2016")
    with pytest.raises(ConfigurationError):
        edition_of(object())
    with pytest.raises(ConfigurationError):
        decode(b"<a/>", edition="1999")
