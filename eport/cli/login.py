"""``eport login``: card login to the portal (or the local sandbox), and the options every portal command shares.

A command line cannot keep a portal session between invocations without storing its cookies, so every portal
command (``eport login``, ``eport verification …``, ``eport identity …``) logs in with the card, does its work and
logs out. The PIN is prompted without echo (or read from ``EPORT_PIN`` for scripts), sent once, never retried.
On a failed login the diagnosis (wrong PIN with tries left, locked card, card not bound, certificate expired …) is
printed on stderr before the error line.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import TYPE_CHECKING, Any

import click

from eport.cli._util import CliFail, err, format_time, print_records
from eport.cli.card import _open_backend, _prompt_pin
from eport.errors import EportError

if TYPE_CHECKING:
    from eport.card.base import OperatorCardBackend
    from eport.services.session import PortalLoginSession

#: The portal the commands talk to by default: the local sandbox.
DEFAULT_PORTAL = "http://127.0.0.1:8730"

#: ``--challenge-hash`` choices: the RSA signature scheme of the login challenge (by SignatureAlgorithm name).
CHALLENGE_HASHES = {"sha1": "RSA_SHA1", "sha256": "RSA_SHA256"}


def portal_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every portal command: where, which card, last-try consent."""
    options = [
        click.option(
            "--portal",
            "portal_url",
            envvar="EPORT_PORTAL",
            default=DEFAULT_PORTAL,
            show_default=True,
            help="Portal base URL (env EPORT_PORTAL); the default is the local sandbox (eport sandbox).",
        ),
        click.option("--reader", "-r", metavar="NAME", help="Reader name (default: the first with a card)."),
        click.option(
            "--local-service",
            "service_url",
            metavar="URL",
            is_flag=False,
            flag_value="ws://127.0.0.1:61232",
            default=None,
            help="Use the card through the E-Port client's local signing service (default ws://127.0.0.1:61232).",
        ),
        click.option(
            "--emulated", is_flag=True, help="Use the emulated demo card in process (for the sandbox; PIN 12345678)."
        ),
        click.option("--wait", type=float, default=0.0, show_default=True, help="Seconds to wait for a card."),
        click.option("--allow-last-try", is_flag=True, help="Allow the PIN attempt even if it is the last (可能锁卡)."),
        click.option(
            "--challenge-hash",
            type=click.Choice(sorted(CHALLENGE_HASHES)),
            envvar="EPORT_CHALLENGE_HASH",
            default="sha1",
            show_default=True,
            help="Hash of an RSA card's login-challenge signature (env EPORT_CHALLENGE_HASH). Unverified: what "
            "SpcSignRandom signs is not documented (docs/login.md); not used through --local-service.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def portal_command(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the portal options to a command; it receives ``session``, a function that logs in (once per command,
    logging out when the command ends) and returns the :class:`~eport.services.session.PortalLoginSession`."""

    @functools.wraps(function)
    def wrapper(
        *args: Any,
        portal_url: str,
        reader: str | None,
        service_url: str | None,
        emulated: bool,
        wait: float,
        allow_last_try: bool,
        challenge_hash: str,
        **kwargs: Any,
    ) -> Any:
        opened: list[PortalLoginSession] = []

        def session() -> PortalLoginSession:
            if not opened:
                context = portal_session(
                    portal_url, reader, service_url, emulated, wait, allow_last_try, challenge_hash=challenge_hash
                )
                opened.append(click.get_current_context().with_resource(context))
            return opened[0]

        return function(session, *args, **kwargs)

    return portal_options(wrapper)


@contextmanager
def open_card(
    reader: str | None, service_url: str | None, emulated: bool, wait: float
) -> Iterator[OperatorCardBackend]:
    """The card backend the options select."""
    if emulated:
        from eport.card.emulator import InProcessTransport, demo_card
        from eport.card.operator import OperatorCard

        yield OperatorCard(InProcessTransport(demo_card()))
        return
    with _open_backend(reader, service_url, wait) as card:
        yield card


@contextmanager
def portal_session(
    portal_url: str,
    reader: str | None,
    service_url: str | None,
    emulated: bool,
    wait: float,
    allow_last_try: bool,
    expected_enterprise: str | None = None,
    challenge_hash: str = "sha1",
) -> Iterator[PortalLoginSession]:
    """Log in with the card, yield the session, log out; explain a failed login on stderr.

    ``challenge_hash`` (``sha1`` or ``sha256``) picks the RSA scheme of eport's assumed challenge encoding
    (:class:`~eport.services.session_challenge.RandomTextEncoding`; the real one is unverified).
    """
    from eport.pki.signer import SignatureAlgorithm
    from eport.services.portal import PortalSession
    from eport.services.session import CardLogin
    from eport.services.session_challenge import RandomTextEncoding
    from eport.services.session_diagnose import diagnose

    encoding = RandomTextEncoding(rsa_algorithm=SignatureAlgorithm[CHALLENGE_HASHES[challenge_hash]])

    with ExitStack() as stack:
        try:
            card = stack.enter_context(open_card(reader, service_url, emulated, wait))
        except EportError as exc:
            err(str(diagnose(error=exc, expected_enterprise=expected_enterprise)))
            raise
        portal = stack.enter_context(PortalSession(portal_url))
        pin = _prompt_pin("PIN")
        try:
            session = CardLogin(portal, encoding=encoding).login(card, pin, allow_last_try=allow_last_try)
        except EportError as exc:
            err(str(diagnose(card, error=exc, expected_enterprise=expected_enterprise)))
            raise
        finally:
            del pin
        try:
            yield session
        finally:
            with suppress(EportError):
                session.logout()


def session_record(session: PortalLoginSession) -> dict[str, str]:
    """The session's data for printing."""
    info = session.info
    return {
        "card ID (卡号)": info.card_id,
        "holder (持卡人)": info.holder_name,
        "enterprise code (企业代码)": info.enterprise_code,
        "certificate number (证书编号)": info.certificate_number,
        "session expires": format_time(info.expires_at),
        "certificate valid until": format_time(info.certificate_expires_at),
    }


@click.command(name="login")
@portal_options
@click.option("--diagnose", "only_diagnose", is_flag=True, help="Only diagnose the card; no PIN, no login.")
@click.option("--expect-enterprise", metavar="CODE", help="The enterprise (海关编码) the card should belong to.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def login_command(
    portal_url: str,
    reader: str | None,
    service_url: str | None,
    emulated: bool,
    wait: float,
    allow_last_try: bool,
    challenge_hash: str,
    only_diagnose: bool,
    expect_enterprise: str | None,
    as_json: bool,
) -> None:
    """Log in to the portal with the operator card (CAS challenge-response), show the session, log out.

    The PIN is prompted without echo (EPORT_PIN for scripts), sent once to the card and once to the login service
    (as the official page does), and never retried. With --diagnose only the card is examined: certificate validity,
    PIN tries left, enterprise.
    """
    from eport.services.session_diagnose import Severity, diagnose

    if only_diagnose:
        try:
            with open_card(reader, service_url, emulated, wait) as card:
                result = diagnose(card, expected_enterprise=expect_enterprise)
        except EportError as exc:  # no PC/SC service, no reader, no card: that is the diagnosis
            result = diagnose(error=exc, expected_enterprise=expect_enterprise)
        if as_json:
            findings = [{"code": f.code, "severity": f.severity.value, "message": f.message, "remedy": f.remedy}
                        for f in result.findings]  # fmt: skip
            click.echo(json.dumps({"state": result.state.value, "findings": findings}, ensure_ascii=False, indent=2))
        else:
            click.echo(str(result))
        if not result.ok:
            problems = [f.code for f in result.findings if f.severity is Severity.ERROR]
            raise CliFail(f"the card diagnosis found problems: {', '.join(problems)}", kind="DiagnosisFailed")
        return
    with portal_session(
        portal_url,
        reader,
        service_url,
        emulated,
        wait,
        allow_last_try,
        expected_enterprise=expect_enterprise,
        challenge_hash=challenge_hash,
    ) as session:
        record = session_record(session)
    if as_json:
        info = session.info
        data = {
            "card_id": info.card_id,
            "holder_name": info.holder_name,
            "enterprise_code": info.enterprise_code,
            "certificate_number": info.certificate_number,
            "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print_records([record])
    err("logged in and out again (a command-line session ends with the command)")


__all__ = [
    "DEFAULT_PORTAL",
    "login_command",
    "open_card",
    "portal_command",
    "portal_options",
    "portal_session",
    "session_record",
]
