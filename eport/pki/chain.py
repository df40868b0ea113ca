"""Certificate path building and validation that fits E-Port certificates.

Web PKI validators reject E-Port signing certificates: they have no SubjectAltName, carry private or
e-mail/smart-card EKUs, and older ones are signed with SHA-1. :class:`ChainValidator` builds a path from the signing
certificate to an installed root and checks, per link: issuer name and key identifier, the issuer's signature
(RSA, ECDSA or SM2), validity at the given time, CA flag, key usage and path length, and the signature hash
(SHA-1 only when ``allow_sha1=True``). The leaf needs ``digital_signature`` or ``non_repudiation`` when it has a
key usage extension; no SAN or EKU is required unless the policy asks. Revocation is
:mod:`eport.pki.revocation` (off by default).

A failure raises :class:`~eport.errors.ChainError` naming the certificate where the path broke and why.

The search is bounded: a path never holds two certificates with the same subject and key (look-alike copies of one
CA add nothing, and would otherwise be tried in every order), and it stops with
:class:`~eport.errors.ChainSearchLimitError` after ``max_path_candidates`` issuer checks or ``max_path_seconds``.

Example::

    validator = ChainValidator(TrustStore(), policy=ValidationPolicy(allow_sha1=True))
    path = validator.validate(cert)           # (leaf, intermediate, root)
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections.abc import Iterable, Sequence

import attrs

from eport.errors import ChainError, ChainSearchLimitError, InvalidSignature, UnsupportedAlgorithm
from eport.pki.certs import Certificate, names_match, utcnow
from eport.pki.revocation import RevocationPolicy
from eport.pki.revocation import check as check_revocation
from eport.pki.truststore import TrustStore

logger = logging.getLogger(__name__)

MAX_DEPTH = 8


@attrs.frozen(kw_only=True)
class ValidationPolicy:
    """What a valid path must satisfy.

    Attributes:
        allow_sha1: accept SHA-1-signed certificates (older E-Port RSA certificates). Off by default.
        leaf_key_usage: the leaf's key usage must contain one of these, when the extension is present.
        required_eku: if not empty, the leaf must have one of these EKU OIDs.
        min_rsa_bits: smallest RSA key accepted anywhere in the path (E-Port RSA certificates are 1024-bit).
        check_validity: check validity periods (turn off only to inspect historical signatures).
        max_path_candidates: issuer candidates checked (name and key match, signature verified) per validation
            before giving up with :class:`~eport.errors.ChainSearchLimitError`.
        max_path_seconds: time budget of one path search, same error.
    """

    allow_sha1: bool = False
    leaf_key_usage: frozenset[str] = frozenset({"digital_signature", "non_repudiation"})
    required_eku: frozenset[str] = frozenset()
    min_rsa_bits: int = 1024
    check_validity: bool = True
    max_path_candidates: int = 256
    max_path_seconds: float = 5.0


@attrs.define
class _Budget:
    """What one path search may still spend."""

    candidates: int
    deadline: float

    def spend(self, policy: ValidationPolicy, where: str) -> None:
        self.candidates -= 1
        if self.candidates < 0:
            raise ChainSearchLimitError(
                f"path search gave up after {policy.max_path_candidates} candidate issuers "
                "(too many look-alike CA certificates; ValidationPolicy.max_path_candidates)",
                where,
            )
        if time.monotonic() > self.deadline:
            raise ChainSearchLimitError(
                f"path search gave up after {policy.max_path_seconds} seconds (ValidationPolicy.max_path_seconds)",
                where,
            )


class ChainValidator:
    """Validate certificates against trust anchors.

    Args:
        trust: a :class:`TrustStore` (its roots are anchors, its intermediates help path building) or anchors.
        intermediates: more certificates for path building (never trusted by themselves).
        policy: path rules.
        revocation: revocation settings (off by default).
        at: validation time (default: now, at each call).
    """

    def __init__(
        self,
        trust: TrustStore | Iterable[Certificate],
        *,
        intermediates: Iterable[Certificate] = (),
        policy: ValidationPolicy | None = None,
        revocation: RevocationPolicy | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        if isinstance(trust, TrustStore):
            self._anchors = tuple(trust.roots())
            known = list(trust.intermediates())
        else:
            self._anchors = tuple(trust)
            known = []
        self._intermediates = tuple(known + list(intermediates))
        self.policy = policy or ValidationPolicy()
        self.revocation = revocation or RevocationPolicy()
        self._at = at

    @property
    def anchors(self) -> tuple[Certificate, ...]:
        """The trust anchors."""
        return self._anchors

    def validate(self, certificate: Certificate, intermediates: Sequence[Certificate] = ()) -> tuple[Certificate, ...]:
        """Build and check a path from ``certificate`` to an anchor.

        Args:
            certificate: the signing (end-entity) certificate.
            intermediates: extra untrusted certificates (e.g. from ``X509Data``).

        Returns:
            The path, ``certificate`` first and the anchor last.

        Raises:
            ChainError: if no valid path exists; ``reason`` says which link failed and why.
            RevocationError: if a certificate is revoked (or unknown in hard-fail mode).
        """
        at = self._at or utcnow()
        if not self._anchors:
            raise ChainError(
                "no trusted root installed (install the E-Port root certificates with `eport pki install-root`)",
                certificate.subject,
            )
        self._check_leaf(certificate, at)
        pool = [c for c in (*intermediates, *self._intermediates) if c.der != certificate.der]
        failures: list[ChainError] = []
        budget = _Budget(self.policy.max_path_candidates, time.monotonic() + self.policy.max_path_seconds)
        try:
            path = self._extend([certificate], pool, at, failures, budget)
        except ChainSearchLimitError as exc:
            raise ChainSearchLimitError(exc.reason, certificate.subject) from None
        if path is None:
            if failures:
                raise failures[0]
            raise ChainError(
                f"issuer {certificate.issuer!r} not found among the trusted roots and known intermediates "
                "(install the E-Port root and CA certificates)",
                certificate.subject,
            )
        if self.revocation is not None:
            links = list(itertools.pairwise(path))
            for child, issuer in links[:1] if self.revocation.leaf_only else links:
                check_revocation(child, issuer, self.revocation, at)
        logger.debug("validated %s via %d certificates", certificate.cert_no, len(path))
        return tuple(path)

    # ------------------------------------------------------------------------------------------- internals
    def _extend(
        self,
        path: list[Certificate],
        pool: list[Certificate],
        at: dt.datetime,
        failures: list[ChainError],
        budget: _Budget,
    ) -> list[Certificate] | None:
        current = path[-1]
        if len(path) > MAX_DEPTH:
            failures.append(ChainError(f"path longer than {MAX_DEPTH} certificates", current.subject))
            return None
        candidates = [(a, True) for a in self._anchors] + [(c, False) for c in pool]
        for issuer, is_anchor in candidates:
            if not is_anchor and any(
                issuer.der == p.der or (issuer.spki_der == p.spki_der and issuer.subject_der == p.subject_der)
                for p in path
            ):
                continue  # a loop: the same certificate, or the same name and key, again
            if not names_match(issuer, current):
                continue
            if current.authority_key_id and issuer.subject_key_id and current.authority_key_id != issuer.subject_key_id:
                continue
            budget.spend(self.policy, current.subject)
            try:
                self._check_link(current, issuer, len(path) - 1, at, is_anchor)
            except ChainError as exc:
                failures.append(exc)
                continue
            if is_anchor:
                if issuer.der == current.der:
                    return path
                return [*path, issuer]
            found = self._extend([*path, issuer], pool, at, failures, budget)
            if found is not None:
                return found
        return None

    def _check_leaf(self, leaf: Certificate, at: dt.datetime) -> None:
        policy = self.policy
        self._check_time(leaf, at)
        self._check_key(leaf)
        if leaf.key_usage and not (leaf.key_usage & policy.leaf_key_usage):
            raise ChainError(
                f"key usage {sorted(leaf.key_usage)} does not allow signing (needs one of "
                f"{sorted(policy.leaf_key_usage)})",
                leaf.subject,
            )
        if policy.required_eku and not (set(leaf.extended_key_usage) & policy.required_eku):
            raise ChainError(f"none of the required extended key usages {sorted(policy.required_eku)}", leaf.subject)

    def _check_time(self, cert: Certificate, at: dt.datetime) -> None:
        if not self.policy.check_validity:
            return
        if at < cert.not_before:
            raise ChainError(f"not valid before {cert.not_before:%Y-%m-%d %H:%M} UTC", cert.subject)
        if at > cert.not_after:
            raise ChainError(f"expired on {cert.not_after:%Y-%m-%d %H:%M} UTC", cert.subject)

    def _check_key(self, cert: Certificate) -> None:
        if cert.key_algorithm.value == "rsa" and cert.key_size < self.policy.min_rsa_bits:
            raise ChainError(f"RSA key of {cert.key_size} bits is below the policy minimum", cert.subject)

    def _check_link(self, child: Certificate, issuer: Certificate, depth: int, at: dt.datetime, anchor: bool) -> None:
        where = f"{child.subject} (cert_no {child.cert_no})"
        if child.signature_hash is None:
            raise ChainError(f"unsupported signature algorithm {child.signature_algorithm_oid}", where)
        if child.signature_hash == "sha1" and not self.policy.allow_sha1 and child.der != issuer.der:
            raise ChainError(
                "signed with SHA-1; legacy E-Port certificates need ValidationPolicy(allow_sha1=True)", where
            )
        if child.der != issuer.der:
            try:
                issuer.public_key.verify(child.signature_value, child.tbs_der, child.signature_hash)
            except (InvalidSignature, UnsupportedAlgorithm) as exc:
                raise ChainError(f"signature by {issuer.subject} does not verify: {exc}", where) from None
        if not issuer.is_ca:
            raise ChainError("issuer is not a CA certificate (basicConstraints cA not set)", issuer.subject)
        if issuer.key_usage and "key_cert_sign" not in issuer.key_usage:
            raise ChainError("issuer key usage does not allow certificate signing", issuer.subject)
        if issuer.path_length is not None and depth > issuer.path_length:
            raise ChainError(f"path length constraint {issuer.path_length} exceeded", issuer.subject)
        self._check_time(issuer, at)
        self._check_key(issuer)
        del anchor


__all__ = ["ChainValidator", "ValidationPolicy"]
