"""The root registry: static, lazy, edition-aware."""

from __future__ import annotations

import pytest

from eport.edi.ceb import exports, imports, imports2018
from eport.edi.ceb.family import NS as CEB_NS
from eport.edi.core import registry
from eport.errors import ConfigurationError, UnknownMessageError

CEB = CEB_NS


def test_lookup_by_edition() -> None:
    assert registry.lookup(CEB, "CEB621Message") is imports.CEB621Message
    assert registry.lookup(CEB, "CEB621Message", edition="202205") is imports.CEB621Message
    assert registry.lookup(CEB, "CEB621Message", edition="2018") is imports2018.CEB621Message
    assert registry.lookup(CEB, "CEB213Message") is exports.CEB213Message
    assert registry.lookup(CEB, "CEB213Message", edition="2018") is None
    assert registry.lookup(CEB, "CEB621") is None
    assert registry.lookup(None, "CEB621Message") is None


def test_resolve_raises_typed_errors() -> None:
    with pytest.raises(UnknownMessageError) as info:
        registry.resolve("urn:nope", "Thing")
    assert info.value.path == "/Thing"
    assert "{urn:nope}Thing" in str(info.value)
    with pytest.raises(ConfigurationError):
        registry.lookup(CEB, "CEB621Message", edition="2016")


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        registry.ROOTS[(CEB, "X")] = "x:y"  # type: ignore[index]
    assert all(":" in target for target in registry.ROOTS.values())


def test_every_registered_root_loads_and_matches_its_spec() -> None:
    for (namespace, local), _ in registry.ROOTS.items():
        cls = registry.resolve(namespace, local)
        spec = cls.__eport_spec__
        assert (spec.namespace, spec.tag) == (namespace, local)
    ceb = [c for c in registry.message_types() if c.__eport_spec__.namespace == CEB]
    assert len(ceb) == 19 + 23
    assert len([c for c in registry.message_types(edition="2018") if c.__eport_spec__.namespace == CEB]) == 19 + 19
