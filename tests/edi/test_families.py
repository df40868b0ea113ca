"""The families' declarations: every hook they name loads, and the engine reaches each family only through them."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from eport import edi, examples
from eport.edi import dxp
from eport.edi.core import registry
from eport.edi.core.family import Family, load
from eport.edi.core.spec import spec_of
from eport.errors import ConfigurationError

DATA = Path(__file__).parent / "data"

HOOKS = [
    f.name
    for f in attrs.fields(Family)
    if str(f.type) == "str | None" and f.name != "namespace"  # the import-string hooks
]


def test_four_families_with_disjoint_spec_families() -> None:
    families = registry.families()
    assert [f.name for f in families] == ["ceb", "dec", "manifest", "dxp"]
    seen: set[str] = set()
    for family in families:
        assert not family.spec_families & seen
        seen |= family.spec_families


@pytest.mark.parametrize("family", registry.families(), ids=lambda f: f.name)
def test_every_declared_hook_and_root_loads(family: Family) -> None:
    assert HOOKS  # the encoder, decoder, rescue … hooks are import strings
    for name in HOOKS:
        target = getattr(family, name)
        if target is not None:
            assert callable(load(target)), f"{family.name}.{name} = {target}"
    for spec_family, module in family.rules.items():
        assert spec_family in family.spec_families
        assert all(callable(rule) for rule in load(module).RULES)
    tables = [family.roots, *family.editions.values()]
    for table in tables:
        for (namespace, local), target in table.items():
            cls = load(target)
            assert spec_of(cls).tag == local
            assert spec_of(cls).namespace == namespace
            assert registry.family_of(spec_of(cls).family) is family


def test_family_of_every_registered_message() -> None:
    for edition in ("202205", "2018"):
        for cls in registry.message_types(edition=edition):
            family = registry.family_of(spec_of(cls).family)
            assert family is not None
            assert (spec_of(cls).namespace, spec_of(cls).tag) in {*family.roots, *family.editions.get(edition, {})}


def test_envelopes_are_encoded_by_their_family() -> None:
    envelope = dxp.wrap(edi.encode(examples.order()), sender_id="DXPENT0000000001", receiver_ids="DXPEDCCEB0000002")
    assert edi.encode(envelope) == dxp.encode_envelope(envelope)
    assert edi.decode(dxp.unwrap(edi.encode(envelope))) == examples.order()


def test_editions_only_for_families_that_have_them() -> None:
    order = examples.order()
    assert edi.decode(edi.encode(order, edition="2018"), edition="2018") is not None
    manifest = edi.decode((DATA / "manifest" / "mt2101_sea_preloading.xml").read_bytes())
    assert registry.hook(spec_of(manifest).family, "to_edition") is None
    with pytest.raises(ConfigurationError, match="has no schema editions"):
        edi.encode(manifest, edition="2018")
