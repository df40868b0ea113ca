"""Path building and validation to installed roots, E-Port rules, SHA-1 opt-in, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from eport.errors import ChainError, ChainSearchLimitError
from eport.pki.certs import Certificate
from eport.pki.chain import ChainValidator, ValidationPolicy
from eport.pki.signer import KeyAlgorithm
from eport.pki.signers import InMemorySigner
from eport.pki.testing import TestChain, issue_certificate, make_chain, new_key
from eport.pki.truststore import TrustStore
from eport.pki.xmldsig import Dialect, VerifyConfig, sign_enveloped, verify_enveloped
from tests.deadline import deadline


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


# ------------------------------------------------------------------------------------- bounded path search
def _lookalike_cas(count: int) -> tuple[object, list[Certificate]]:
    """``count`` self-issued CA certificates sharing one key and one name (distinct serials): each one verifies as
    the issuer of every other, so a naive search walks every ordering of them."""
    key = new_key(KeyAlgorithm.RSA)
    subject = {"common_name": "Lookalike CA", "organization_name": "测试"}
    return key, [
        issue_certificate(subject=subject, subject_key=key, issuer_key=key, is_ca=True, serial=serial)  # type: ignore[arg-type]
        for serial in range(1, count + 1)
    ]


@pytest.mark.parametrize("count", [7, 12])
def test_lookalike_ca_certificates_do_not_explode_the_search(rsa_chain: TestChain, count: int) -> None:
    key, cas = _lookalike_cas(count)
    leaf = issue_certificate(
        subject={"common_name": "leaf"},
        subject_key=new_key(KeyAlgorithm.RSA),
        issuer_key=key,
        issuer=cas[0],  # type: ignore[arg-type]
    )
    validator = ChainValidator([rsa_chain.root])
    with deadline(5.0, "path search"), pytest.raises(ChainError) as info:
        validator.validate(leaf, cas)
    assert "not found among the trusted roots" in info.value.reason
    # the same certificates with the right anchor still give a path (one look-alike, never a loop of them)
    path = ChainValidator([cas[3]]).validate(leaf, cas)
    assert [c.der for c in path] == [leaf.der, cas[3].der]


def test_the_search_budget_is_a_typed_error(rsa_chain: TestChain) -> None:
    """Each look-alike is a candidate issuer of the leaf: past the budget the search stops with its own error."""
    key, cas = _lookalike_cas(7)
    leaf = issue_certificate(
        subject={"common_name": "leaf"},
        subject_key=new_key(KeyAlgorithm.RSA),
        issuer_key=key,
        issuer=cas[0],  # type: ignore[arg-type]
    )
    tight = ChainValidator([rsa_chain.root], policy=ValidationPolicy(max_path_candidates=3))
    with deadline(5.0, "path search"), pytest.raises(ChainSearchLimitError) as info:
        tight.validate(leaf, cas)
    assert isinstance(info.value, ChainError)
    assert "3 candidate" in info.value.reason
    assert info.value.certificate == leaf.subject
    slow = ChainValidator([rsa_chain.root], policy=ValidationPolicy(max_path_seconds=0.0))
    with pytest.raises(ChainSearchLimitError, match="seconds"):
        slow.validate(leaf, cas)
    assert len(ChainValidator([cas[0]], policy=ValidationPolicy(max_path_candidates=1)).validate(leaf, cas)) == 2


def test_a_signed_document_carrying_lookalike_cas_is_refused_quickly(rsa_chain: TestChain) -> None:
    """The hostile input as it arrives: a small signed message whose X509Data carries 12 look-alike CAs."""
    key, cas = _lookalike_cas(12)
    leaf_key = new_key(KeyAlgorithm.RSA)
    leaf = issue_certificate(subject={"common_name": "leaf"}, subject_key=leaf_key, issuer_key=key, issuer=cas[0])  # type: ignore[arg-type]
    signed = sign_enveloped(
        b"<Message><Body>x</Body></Message>", InMemorySigner(leaf_key, leaf), extra_certificates=cas
    )
    with deadline(5.0, "path search"), pytest.raises(ChainError, match="not found among the trusted roots"):
        verify_enveloped(
            signed, trust=ChainValidator([rsa_chain.root]), config=VerifyConfig(dialects=frozenset(Dialect))
        )
