"""Path building and validation to installed roots, E-Port rules, SHA-1 opt-in, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from eport.errors import ChainError
from eport.pki.chain import ChainValidator, ValidationPolicy
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import TestChain, issue_certificate, make_chain, new_key
from eport.pki.truststore import TrustStore


@pytest.mark.parametrize("name", ["rsa_chain", "sm2_chain", "ec_chain"])
def test_valid_chain(name: str, request: pytest.FixtureRequest) -> None:
    chain: TestChain = request.getfixturevalue(name)
    path = ChainValidator([chain.root]).validate(chain.leaf, [chain.intermediate])
    assert [c.der for c in path] == [chain.leaf.der, chain.intermediate.der, chain.root.der]


def test_intermediate_from_trust_store(tmp_path, rsa_chain: TestChain) -> None:  # type: ignore[no-untyped-def]
    store = TrustStore(tmp_path)
    store.install(rsa_chain.root)
    store.install(rsa_chain.intermediate)
    path = ChainValidator(store).validate(rsa_chain.leaf)
    assert len(path) == 3


def test_missing_intermediate_names_the_issuer(rsa_chain: TestChain) -> None:
    with pytest.raises(ChainError) as info:
        ChainValidator([rsa_chain.root]).validate(rsa_chain.leaf)
    assert "中国电子业务证书管理中心" in info.value.reason
    assert info.value.certificate == rsa_chain.leaf.subject


def test_no_roots_installed_says_so(rsa_chain: TestChain) -> None:
    with pytest.raises(ChainError, match="install-root"):
        ChainValidator([]).validate(rsa_chain.leaf, [rsa_chain.intermediate])


def test_other_root_is_rejected(rsa_chain: TestChain, sm2_chain: TestChain) -> None:
    with pytest.raises(ChainError):
        ChainValidator([sm2_chain.root]).validate(rsa_chain.leaf, [rsa_chain.intermediate])


def test_sha1_needs_opt_in(sha1_chain: TestChain) -> None:
    with pytest.raises(ChainError) as info:
        ChainValidator([sha1_chain.root]).validate(sha1_chain.leaf, [sha1_chain.intermediate])
    assert "SHA-1" in info.value.reason
    assert sha1_chain.leaf.cert_no in str(info.value)
    path = ChainValidator([sha1_chain.root], policy=ValidationPolicy(allow_sha1=True)).validate(
        sha1_chain.leaf, [sha1_chain.intermediate]
    )
    assert len(path) == 3


def test_forged_signature_is_rejected(rsa_chain: TestChain) -> None:
    impostor_key = new_key(KeyAlgorithm.RSA)
    forged = issue_certificate(
        subject={"common_name": "forged"},
        subject_key=impostor_key,
        issuer_key=impostor_key,
        issuer=rsa_chain.intermediate,
    )
    with pytest.raises(ChainError, match="does not verify"):
        ChainValidator([rsa_chain.root]).validate(forged, [rsa_chain.intermediate])


def test_expired_and_not_yet_valid(rsa_chain: TestChain) -> None:
    validator = ChainValidator([rsa_chain.root], at=dt.datetime(2060, 1, 1, tzinfo=dt.timezone.utc))
    with pytest.raises(ChainError, match="expired"):
        validator.validate(rsa_chain.leaf, [rsa_chain.intermediate])
    early = ChainValidator([rsa_chain.root], at=dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc))
    with pytest.raises(ChainError, match="not valid before"):
        early.validate(rsa_chain.leaf, [rsa_chain.intermediate])
    lenient = ChainValidator(
        [rsa_chain.root],
        at=dt.datetime(2060, 1, 1, tzinfo=dt.timezone.utc),
        policy=ValidationPolicy(check_validity=False),
    )
    assert len(lenient.validate(rsa_chain.leaf, [rsa_chain.intermediate])) == 3


def test_non_ca_issuer_is_rejected(rsa_chain: TestChain) -> None:
    leaf_key = rsa_chain.leaf_key
    child = issue_certificate(
        subject={"common_name": "child"},
        subject_key=new_key(KeyAlgorithm.RSA),
        issuer_key=leaf_key,  # type: ignore[arg-type]
        issuer=rsa_chain.leaf,
    )
    with pytest.raises(ChainError, match="not a CA"):
        ChainValidator([rsa_chain.root]).validate(child, [rsa_chain.intermediate, rsa_chain.leaf])


def test_path_length_constraint(rsa_chain: TestChain) -> None:
    # the intermediate has pathLen 0: a sub-CA under it must fail
    sub_key = new_key(KeyAlgorithm.RSA)
    sub = issue_certificate(
        subject={"common_name": "sub-ca"},
        subject_key=sub_key,
        issuer_key=rsa_chain.intermediate_key,
        issuer=rsa_chain.intermediate,
        is_ca=True,
    )
    leaf = issue_certificate(
        subject={"common_name": "deep"}, subject_key=new_key(KeyAlgorithm.RSA), issuer_key=sub_key, issuer=sub
    )
    with pytest.raises(ChainError, match="path length"):
        ChainValidator([rsa_chain.root]).validate(leaf, [sub, rsa_chain.intermediate])


def test_leaf_key_usage_and_eku(rsa_chain: TestChain) -> None:
    enc_only = issue_certificate(
        subject={"common_name": "enc"},
        subject_key=new_key(KeyAlgorithm.RSA),
        issuer_key=rsa_chain.intermediate_key,
        issuer=rsa_chain.intermediate,
        key_usage={"key_encipherment"},
    )
    with pytest.raises(ChainError, match="key usage"):
        ChainValidator([rsa_chain.root]).validate(enc_only, [rsa_chain.intermediate])
    # E-Port certificates have no SAN and private/e-mail EKUs: accepted without an EKU requirement
    assert ChainValidator([rsa_chain.root]).validate(rsa_chain.leaf, [rsa_chain.intermediate])
    strict = ChainValidator([rsa_chain.root], policy=ValidationPolicy(required_eku=frozenset({"1.2.3.4"})))
    with pytest.raises(ChainError, match="extended key usage"):
        strict.validate(rsa_chain.leaf, [rsa_chain.intermediate])


def test_small_rsa_key_policy() -> None:
    chain = make_chain(KeyAlgorithm.RSA)
    strict = ChainValidator([chain.root], policy=ValidationPolicy(min_rsa_bits=3072))
    with pytest.raises(ChainError, match="bits"):
        strict.validate(chain.leaf, [chain.intermediate])


def test_trust_store_contents_are_validated_live(tmp_path, rsa_chain: TestChain) -> None:  # type: ignore[no-untyped-def]
    store = TrustStore(tmp_path)
    store.install(rsa_chain.root)
    validator = ChainValidator(store, intermediates=[rsa_chain.intermediate])
    assert validator.anchors == (rsa_chain.root,)
    assert len(validator.validate(rsa_chain.leaf)) == 3
