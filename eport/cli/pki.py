"""``eport pki``: certificates, the trust store (root CA install), chains and signatures from the command line.

The trust store is eport's own per-user directory (``--store`` or ``EPORT_TRUST_DIR`` overrides it); installing into
the operating system's store is the separate ``install-system-root`` command. Keys come from files (``--key``) or a
PKCS#11 token (``--pkcs11``); token PINs are prompted without echo or read from ``EPORT_PIN``, never arguments.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eport.cli._util import EXIT_USAGE, CliFail, InputPath, err, print_records, read_input
from eport.errors import SignatureFormatError

if TYPE_CHECKING:
    from eport.pki.certs import Certificate
    from eport.pki.chain import ChainValidator
    from eport.pki.signer import Signer
    from eport.pki.truststore import TrustStore

_STORE = click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Trust store directory (default: EPORT_TRUST_DIR or the per-user eport folder).",
)
_DIALECTS = ["rsa-sha1", "rsa-sha256", "sm2-sm3", "sm2-w3c-sha1"]


def _store(path: Path | None) -> TrustStore:
    from eport.pki.truststore import TrustStore

    return TrustStore(path)


def _load_cert(path: Path) -> Certificate:
    from eport.pki.certs import load_certificate

    return load_certificate(path.read_bytes())


def _dialect(name: str) -> Any:
    from eport.pki.xmldsig import Dialect

    return {
        "rsa-sha1": Dialect.RSA_SHA1,
        "rsa-sha256": Dialect.RSA_SHA256,
        "sm2-sm3": Dialect.SM2_SM3,
        "sm2-w3c-sha1": Dialect.SM2_W3C_SHA1,
    }[name]


def _cert_summary(cert: Certificate) -> dict[str, Any]:
    return {
        "cert_no": cert.cert_no,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "key_algorithm": cert.key_algorithm.value,
        "key_size": cert.key_size,
        "signature_hash": cert.signature_hash,
        "is_ca": cert.is_ca,
        "enterprise_name": cert.enterprise_name,
        "operator_code": cert.operator_code,
        "id_number": cert.id_number,
        "organization_code": cert.organization_code,
        "eport_extensions": dict(cert.eport_extensions),
        "sha256": cert.fingerprint(),
    }


@click.group(name="pki")
def group() -> None:
    """Certificates, trust store (root CA install), chain validation and signatures (RSA, SM2)."""


@group.command("install-root")
@click.argument("file", type=InputPath(dir_okay=False))
@click.option("--intermediate", is_flag=True, help="Install as an intermediate CA (path building only).")
@_STORE
def install_root(file: Path, intermediate: bool, store: Path | None) -> None:
    """Install the E-Port root (ROOTCA.cer) or CA certificates from FILE into eport's trust store.

    Compare the SHA-256 fingerprint shown with the one published by China E-Port before relying on it.
    """
    from eport.pki.certs import load_certificates
    from eport.pki.truststore import Role

    trust = _store(store)
    for cert in load_certificates(file.read_bytes()):
        entry = trust.install(cert, role=Role.INTERMEDIATE if intermediate else None)
        click.echo(f"installed {entry.role.value}: {cert.subject}")
        click.echo(f"  cert_no  {cert.cert_no}   valid until {cert.not_after:%Y-%m-%d}")
        click.echo(f"  SHA-256  {entry.fingerprint}")
        click.echo(f"  SHA-1    {cert.fingerprint('sha1')}")
    err(f"trust store: {trust.path}")


@group.command("roots")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_STORE
def roots(as_json: bool, store: Path | None) -> None:
    """List the certificates in eport's trust store."""
    entries = list(_store(store).entries())
    if as_json:
        click.echo(
            json.dumps(
                [{"role": e.role.value, **_cert_summary(e.certificate)} for e in entries], ensure_ascii=False, indent=2
            )
        )
        return
    if not entries:
        err("the trust store is empty: install the E-Port root with `eport pki install-root ROOTCA.cer`")
        return
    rows = [
        {"role": e.role.value, "subject": e.certificate.subject, "cert_no": e.certificate.cert_no,
         "until": f"{e.certificate.not_after:%Y-%m-%d}", "SHA-256": e.fingerprint}
        for e in entries
    ]  # fmt: skip
    print_records(rows, one_vertical=False)


@group.command("remove-root")
@click.argument("selector")
@_STORE
def remove_root(selector: str, store: Path | None) -> None:
    """Remove the certificate whose SHA-256 fingerprint starts with SELECTOR (or whose cert_no is SELECTOR)."""
    entry = _store(store).remove(selector)
    click.echo(f"removed {entry.role.value}: {entry.certificate.subject}")


@group.command("export-roots")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-intermediates", is_flag=True, help="Also write the intermediate CA certificates.")
@_STORE
def export_roots(output: Path, with_intermediates: bool, store: Path | None) -> None:
    """Write the trusted roots as one PEM bundle (for HTTPS clients: requests' verify=, curl --cacert)."""
    _store(store).export(output, include_intermediates=with_intermediates)
    err(f"wrote {output}")


@group.command("install-system-root")
@click.argument("file", type=InputPath(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only show what would be done.")
@click.option("--user", "user_store", is_flag=True, help="Windows: the current user's store.")
def install_system_root(file: Path, dry_run: bool, user_store: bool) -> None:
    """Install a CA certificate into the OPERATING SYSTEM's trust store (needs administrator rights).

    eport does not need this; other software (browsers, the E-Port client, Java) may.
    """
    from eport.pki.system_store import install_into_system, plan_system_install

    cert = _load_cert(file)
    plan = plan_system_install(cert, user_store=user_store)
    click.echo(plan.describe())
    if not dry_run:
        install_into_system(cert, user_store=user_store)
        click.echo("done")


@group.command("show")
@click.argument("file", type=InputPath(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(file: Path, as_json: bool) -> None:
    """Show a certificate, including the E-Port fields (enterprise, operator code, 证书编号 cert_no)."""
    summary = _cert_summary(_load_cert(file))
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    extensions = summary.pop("eport_extensions")
    print_records([{**summary, **{f"  {oid}": text for oid, text in extensions.items()}}])


def _validator(store: Path | None, allow_sha1: bool, intermediates: tuple[Path, ...]) -> ChainValidator:
    """The path validator; revocation is checked after it by :func:`_revocation`, which says what it found."""
    from eport.pki.certs import load_certificates
    from eport.pki.chain import ChainValidator, ValidationPolicy

    extra = [c for p in intermediates for c in load_certificates(p.read_bytes())]
    return ChainValidator(_store(store), intermediates=extra, policy=ValidationPolicy(allow_sha1=allow_sha1))


def _revocation(path: Sequence[Certificate], online: bool, required: bool, *, pinned: bool = False) -> str:
    """Check the signing certificate's revocation when ``online`` and say, in one line, what was found.

    Never silent: offline, or for a pinned certificate, the line says revocation was not checked; online, an
    unknown status (no responder or CRL reachable) is accepted (soft-fail) and said, or refused with ``required``.

    Raises:
        RevocationError: the certificate is revoked, or its status is unknown and ``required``.
    """
    from eport.errors import RevocationError
    from eport.pki.certs import utcnow
    from eport.pki.revocation import RevocationMode, RevocationPolicy, Status
    from eport.pki.revocation import check as check_revocation

    if pinned:
        if required:
            raise RevocationError("a pinned certificate has no issuer to ask about its revocation")
        return "revocation: not checked (a pinned certificate)"
    if not online:
        return "revocation: not checked (offline; --online asks the certificate's OCSP responder or CRL)"
    if len(path) < 2:
        if required:
            raise RevocationError(f"revocation status of {path[0].cert_no} unknown: it is itself a trust anchor")
        return "revocation: not checked (the certificate is itself a trust anchor)"
    mode = RevocationMode.HARD_FAIL if required else RevocationMode.SOFT_FAIL
    result = check_revocation(path[0], path[1], RevocationPolicy(mode=mode, online=True), utcnow())
    if result.status is Status.GOOD:
        return f"revocation: good ({result.source})"
    return (
        f"revocation: UNKNOWN, not verified: {result.reason} "
        "(accepted in soft-fail mode; --require-revocation refuses it)"
    )


_CHAIN_OPTIONS = [
    click.option("--allow-sha1", is_flag=True, help="Accept SHA-1-signed legacy E-Port certificates."),
    click.option("--online", is_flag=True, help="Check revocation over the network (OCSP, then CRL)."),
    click.option(
        "--require-revocation",
        is_flag=True,
        help="With --online: fail when the revocation status cannot be found (default: say so and accept).",
    ),
    click.option(
        "--intermediate",
        "intermediates",
        multiple=True,
        type=InputPath(dir_okay=False),
        help="Extra CA certificates.",
    ),
    _STORE,
]


def _chain_options(function: Any) -> Any:
    for option in reversed(_CHAIN_OPTIONS):
        function = option(function)
    return function


@group.command("verify-chain")
@click.argument("file", type=InputPath(dir_okay=False))
@_chain_options
def verify_chain(
    file: Path,
    allow_sha1: bool,
    online: bool,
    require_revocation: bool,
    intermediates: tuple[Path, ...],
    store: Path | None,
) -> None:
    """Validate the certificate in FILE to the installed roots; the last line says whether revocation was checked."""
    _check_revocation_flags(online, require_revocation)
    path = _validator(store, allow_sha1, intermediates).validate(_load_cert(file))
    revocation = _revocation(path, online, require_revocation)
    click.echo("chain OK:")
    for depth, cert in enumerate(path):
        click.echo(f"  {depth}: {cert.subject} (cert_no {cert.cert_no})")
    click.echo(revocation)


def _check_revocation_flags(online: bool, require_revocation: bool) -> None:
    if require_revocation and not online:
        raise CliFail("--require-revocation needs --online", EXIT_USAGE, kind="UsageError")


def _signer(
    key: Path | None, cert: Path | None, pkcs11: str | None, token: str | None, key_label: str | None
) -> Signer:
    if pkcs11:
        from eport.pki.pkcs11 import Pkcs11Signer

        if not token or not key_label:
            raise CliFail("--pkcs11 needs --token and --key-label", kind="ConfigurationError")
        pin = os.environ.get("EPORT_PIN") or click.prompt("token PIN", hide_input=True, err=True)
        return Pkcs11Signer.open(
            pkcs11, token_label=token, pin=pin, key_label=key_label, certificate=_load_cert(cert) if cert else None
        )
    if key is None or cert is None:
        raise CliFail("give --key and --cert, or --pkcs11 with --token and --key-label", kind="ConfigurationError")
    from eport.pki.signers import InMemorySigner

    return InMemorySigner.from_files(key, cert)


_SIGNER_OPTIONS = [
    click.option("--key", type=InputPath(dir_okay=False), help="Private key file."),
    click.option("--cert", type=InputPath(dir_okay=False), help="Certificate file."),
    click.option("--pkcs11", metavar="MODULE", help="PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so."),
    click.option("--token", metavar="LABEL", help="PKCS#11 token label."),
    click.option("--key-label", metavar="LABEL", help="PKCS#11 key label."),
]


def _signer_options(function: Any) -> Any:
    for option in reversed(_SIGNER_OPTIONS):
        function = option(function)
    return function


@group.command("sign-xml")
@click.argument("source", type=InputPath(dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--dialect",
    type=click.Choice(_DIALECTS),
    default=None,
    help="Default: rsa-sha1 for RSA keys, sm2-sm3 (2022 spec URIs) for SM2 keys.",
)
@click.option("--generic", is_flag=True, help="Not a CEB message: append the signature as the last child.")
@_signer_options
def sign_xml(
    source: Path,
    output: Path,
    dialect: str | None,
    generic: bool,
    key: Path | None,
    cert: Path | None,
    pkcs11: str | None,
    token: str | None,
    key_label: str | None,
) -> None:
    """Sign a CEB message (加签) with an enveloped signature placed where the XSD wants it."""
    from eport.pki.ceb import sign_ceb
    from eport.pki.xmldsig import sign_enveloped

    signer = _signer(key, cert, pkcs11, token, key_label)
    chosen = _dialect(dialect) if dialect else None
    data = source.read_bytes()
    signed = sign_enveloped(data, signer, dialect=chosen) if generic else sign_ceb(data, signer, dialect=chosen)
    output.write_bytes(signed)
    err(f"signed {output}")


@group.command("verify-xml")
@click.argument("file", type=InputPath(dir_okay=False))
@click.option(
    "--dialect",
    "dialects",
    multiple=True,
    type=click.Choice(_DIALECTS),
    help="Accepted dialects (default: rsa-sha1 and sm2-sm3, the two the 202205 spec names).",
)
@click.option("--any-key-name", is_flag=True, help="Do not require KeyName = certificate number.")
@click.option(
    "--pin-cert",
    type=InputPath(dir_okay=False),
    help="Trust exactly this certificate instead of the trust store.",
)
@_chain_options
def verify_xml(
    file: Path,
    dialects: tuple[str, ...],
    any_key_name: bool,
    pin_cert: Path | None,
    allow_sha1: bool,
    online: bool,
    require_revocation: bool,
    intermediates: tuple[Path, ...],
    store: Path | None,
) -> None:
    """Verify the enveloped signature of FILE (exit status 3 when it does not verify).

    The last line says whether the signing certificate's revocation was checked (only with --online).
    """
    from eport.pki.xmldsig import ChainCheck, PinnedCertificate, VerifyConfig, verify_enveloped

    config = VerifyConfig(require_key_name_match=not any_key_name)
    if dialects:
        config = VerifyConfig(
            dialects=frozenset(_dialect(d) for d in dialects), require_key_name_match=not any_key_name
        )
    _check_revocation_flags(online, require_revocation)
    trust: ChainCheck = (
        PinnedCertificate(_load_cert(pin_cert)) if pin_cert else _validator(store, allow_sha1, intermediates)
    )
    with _naming(file):  # a file that is no XML at all
        result = verify_enveloped(read_input(file), trust=trust, config=config)
    revocation = _revocation(result.chain, online, require_revocation, pinned=pin_cert is not None)
    click.echo(f"signature OK ({result.dialect.name}), signed by {result.certificate.subject}")
    click.echo(f"  cert_no {result.certificate.cert_no}, enterprise {result.certificate.enterprise_name or '-'}")
    click.echo(revocation)


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Name ``path`` in a :class:`~eport.errors.SignatureFormatError` (an input error, exit status 1, not a
    signature that does not verify, 3)."""
    try:
        yield
    except SignatureFormatError as exc:
        raise SignatureFormatError(f"{path}: {exc}") from None


@group.command("sign-file")
@click.argument("source", type=InputPath(dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@_signer_options
def sign_file(
    source: Path,
    output: Path,
    key: Path | None,
    cert: Path | None,
    pkcs11: str | None,
    token: str | None,
    key_label: str | None,
) -> None:
    """Write a detached CMS/PKCS#7 signature (DER, .p7s) of SOURCE to OUTPUT."""
    from eport.pki.cms import sign_detached

    output.write_bytes(sign_detached(source.read_bytes(), _signer(key, cert, pkcs11, token, key_label)))
    err(f"wrote {output}")


@group.command("verify-file")
@click.argument("source", type=InputPath(dir_okay=False))
@click.argument("signature", type=InputPath(dir_okay=False))
@_chain_options
def verify_file(
    source: Path,
    signature: Path,
    allow_sha1: bool,
    online: bool,
    require_revocation: bool,
    intermediates: tuple[Path, ...],
    store: Path | None,
) -> None:
    """Verify a detached CMS signature of SOURCE (exit status 3 when it does not verify).

    The last line says whether the signing certificate's revocation was checked (only with --online).
    """
    from eport.pki.cms import verify_detached

    _check_revocation_flags(online, require_revocation)
    der, data = read_input(signature), read_input(source)
    trust = _validator(store, allow_sha1, intermediates)
    with _naming(signature):  # a signature that is no CMS SignedData at all
        result = verify_detached(der, data, trust=trust)
    revocation = _revocation(result.chain, online, require_revocation)
    click.echo(f"signature OK, signed by {result.certificate.subject} (cert_no {result.certificate.cert_no})")
    click.echo(revocation)
