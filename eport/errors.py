"""The one exception hierarchy of eport.

Every error that eport raises on purpose derives from :class:`EportError`. Data lives in attributes, not only in
the message, so callers can branch on it. PINs and private keys never appear in messages, attributes or reprs.

::

    EportError
    ├── ConfigurationError            (also ValueError: bad arguments from the caller)
    │   ├── FieldError(field, reason) one named input field is invalid
    │   │   └── IdentifierError       an identifier (entry id, USCC, 统一编号 …) is malformed
    │   └── MissingExtraError(extra)  an optional part is used without its extra (also ImportError)
    ├── CardError
    │   ├── PcscUnavailableError      pcscd not running / smart card service stopped (智能卡服务未启动)
    │   ├── ReaderError
    │   │   ├── NoReaderError         no reader connected (未检测到读卡器)
    │   │   └── ReaderNotFoundError   the named reader does not exist
    │   ├── NoCardError               no card in the reader (未插卡)
    │   ├── CardRemovedError          card removed during an operation
    │   ├── CardResetError            card was reset or unpowered by another application
    │   ├── CardTimeoutError          waiting for a card or an answer timed out
    │   ├── ApduError(sw, data)       a status word other than 9000
    │   │   ├── PinError(tries_left)  wrong PIN (口令错误)
    │   │   ├── PinLockedError        6983: PIN blocked (卡已锁定)
    │   │   ├── SecurityStatusNotSatisfied   6982
    │   │   ├── FileNotFound          6A82
    │   │   ├── WrongLengthError      6700 / 6Cxx
    │   │   └── NotSupportedError     6D00 / 6E00 / 6A81
    │   ├── PinPolicyError            refused before sending: last try, bad format (also ValueError)
    │   ├── BadResponseError          malformed response data
    │   └── LocalServiceError(code)   the E-Port client's local signing service answered an error
    ├── PkiError
    │   ├── CertificateError(reason)  unparsable or unusable certificate
    │   ├── ChainError(reason, certificate)   path building or validation failed
    │   │   └── ChainSearchLimitError  path search stopped at its budget (candidates or time)
    │   ├── RevocationError           revoked, or status unknown in hard-fail mode
    │   ├── InvalidSignature          a signature does not verify
    │   │   └── SignatureFormatError  the input is no signature document at all: no XML, no CMS SignedData, no JSON
    │   │                             (also DecodeError)
    │   ├── UnsupportedAlgorithm      algorithm or dialect not supported
    │   ├── TrustStoreError           the trust store refused or failed an operation
    │   └── TokenError                PKCS#11 token problems
    ├── EdiError
    │   ├── DecodeError(path, line, column)   bytes are not a well-formed, known message
    │   ├── EncodeError(path)                 a model cannot be written
    │   ├── ValidationError(problems)         strict checks failed; carries every problem
    │   ├── UnknownMessageError               root element not recognised
    │   ├── CodeTableError                    unknown code table or code
    │   └── WorkerLostError(sources, status)  a batch worker process died; names the documents it took with it
    └── ServiceError
        ├── TransportError
        │   ├── ServiceTimeout
        │   └── ConnectError
        ├── ProtocolError             malformed reply from a service or gateway
        │   └── UnreadableRowsError(rows)   listing rows the client could not read (the others were read)
        ├── DuplicateError(code)      already submitted (locally refused or customs -301010 …)
        ├── RejectedError(code, receipt)   customs rejected the message
        ├── JournalError              the local submission journal failed
        ├── DamagedRecordError        one stored record does not read (that record only)
        └── PortalError(status, code) a portal JSON service (refund, verification, login …) refused or failed
            ├── SessionExpiredError   the portal session ended; log in again
            ├── LegacyOperationError  the operation no longer exists on the live E-Port (sandbox only)
            ├── FormStateError(form_no, state, action)   核销单: the custody state forbids the action
            ├── PortRuleError(rule)   核销单: not filed for the declaration's port, or already used
            ├── IdentityMismatchError(fields)   card identity/enterprise ≠ the 报关人员 record (no binding)
            └── LoginError(login_status)   the CAS card login was refused
                ├── LoginPinError(tries_left)   wrong PIN at the login service
                ├── LoginLockedError          locked after too many wrong PINs (卡已锁定)
                ├── CardNotBoundError         the card is not registered / bound to an account
                ├── LoginCertificateError     certificate expired or abnormal (status 5: 证书延期)
                └── ChallengeError            challenge unknown, used or expired; signature does not verify
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class EportError(Exception):
    """Root of every error eport raises on purpose."""


class ConfigurationError(EportError, ValueError):
    """A caller passed arguments that cannot work (bad option, unknown name, inconsistent settings)."""


# --------------------------------------------------------------------------------------------------- install (#15)
class MissingExtraError(ConfigurationError, ImportError):
    """A part of eport was imported without the optional dependencies of its extra (``pip install 'eport[pcsc]'``).

    Also an :class:`ImportError`, so code probing an optional part with ``except ImportError`` keeps working.

    Attributes:
        extra: the name of the extra to install (``"pcsc"``).
    """

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(f"{feature} needs the '{extra}' extra: pip install 'eport[{extra}]'")
        self.extra = extra


# --------------------------------------------------------------------------------------------------- identifiers
class FieldError(ConfigurationError):
    """One named input field is invalid.

    Attributes:
        field: the field's name or path, e.g. ``entry_id`` or ``lines[3].currency``.
        reason: what exactly is wrong (never the full value of a personal identifier).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class IdentifierError(FieldError):
    """An identifier (entry id, 21-char refund number, 统一编号, customs code, USCC, resident ID …) is malformed."""


# --------------------------------------------------------------------------------------------------- card
class CardError(EportError):
    """Problems with readers, cards, APDUs and the E-Port card backends."""


class PcscUnavailableError(CardError):
    """The PC/SC service (pcscd, Windows 智能卡服务 SCardSvr) is not reachable."""


class ReaderError(CardError):
    """Problems with a card reader."""


class NoReaderError(ReaderError):
    """No card reader is connected (未检测到读卡器)."""


class ReaderNotFoundError(ReaderError):
    """The requested reader is not among the connected readers."""


class NoCardError(CardError):
    """No card is present in the reader (未插卡 / 卡未插好)."""


class CardRemovedError(CardError):
    """The card was removed during an operation."""


class CardResetError(CardError):
    """The card was reset or unpowered by another application; a verified PIN is lost."""


class CardTimeoutError(CardError):
    """Waiting for a card, a reader or an answer timed out."""


class ApduError(CardError):
    """A command APDU ended with a status word other than 9000.

    Attributes:
        sw: the status word as an int, e.g. ``0x6A82``.
        data: response data returned with the status word (may be empty).
    """

    def __init__(self, sw: int, data: bytes = b"", message: str | None = None) -> None:
        self.sw = sw
        self.data = data
        super().__init__(message or f"APDU failed with status word {sw:04X}")


class PinError(ApduError):
    """The PIN was wrong (口令错误). ``tries_left`` tells how many tries remain, ``None`` if unknown."""

    def __init__(self, sw: int, tries_left: int | None, message: str | None = None) -> None:
        self.tries_left = tries_left
        left = "unknown" if tries_left is None else str(tries_left)
        super().__init__(sw, b"", message or f"wrong PIN (口令错误), tries left: {left}")


class PinLockedError(ApduError):
    """The PIN is blocked after too many wrong tries (卡已锁定); the card issuer must unblock it."""

    def __init__(self, sw: int = 0x6983, message: str | None = None) -> None:
        super().__init__(sw, b"", message or "PIN blocked (卡已锁定): contact the card issuer to unblock it")


class SecurityStatusNotSatisfied(ApduError):  # noqa: N818 - the ISO 7816 name
    """Status word 6982: the command needs a verified PIN or another security condition."""


class FileNotFound(ApduError):  # noqa: N818 - the ISO 7816 name
    """Status word 6A82: file or application not found."""


class WrongLengthError(ApduError):
    """Status word 6700 or 6Cxx: the length field was wrong."""


class NotSupportedError(ApduError):
    """Instruction, class or function not supported by the card (6D00, 6E00, 6A81)."""


class PinPolicyError(CardError, ValueError):
    """eport refused to send a PIN command: last try left without explicit consent, or a malformed PIN."""


class BadResponseError(CardError):
    """The card or the signing service returned data that cannot be parsed."""


class LocalServiceError(CardError):
    """The E-Port client's local signing service (ws://127.0.0.1:61232) answered with an error.

    Attributes:
        code: the service's error code, if any.
    """

    def __init__(self, message: str, code: str | int | None = None) -> None:
        self.code = code
        super().__init__(message)


# --------------------------------------------------------------------------------------------------- pki
class PkiError(EportError):
    """Problems with certificates, keys, trust and signatures."""


class CertificateError(PkiError):
    """A certificate cannot be parsed or used. ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ChainError(PkiError):
    """A certificate path could not be built or validated.

    Attributes:
        reason: which link failed and why.
        certificate: subject (or certificate number) of the certificate where validation failed, if known.
    """

    def __init__(self, reason: str, certificate: str | None = None) -> None:
        self.reason = reason
        self.certificate = certificate
        super().__init__(reason if certificate is None else f"{certificate}: {reason}")


class ChainSearchLimitError(ChainError):
    """Path building stopped at its budget (issuer candidates tried, or time) before finding a path.

    Raised for hostile or absurd certificate sets (many look-alike CA certificates); the limits are
    :class:`eport.pki.chain.ValidationPolicy` ``max_path_candidates`` and ``max_path_seconds``.
    """


class RevocationError(PkiError):
    """The certificate is revoked, or its status is unknown where a known status is required."""


class InvalidSignature(PkiError):  # noqa: N818 - same name as cryptography's
    """A signature does not verify."""


class UnsupportedAlgorithm(PkiError):  # noqa: N818 - same name as cryptography's
    """The algorithm, curve or signature dialect is not supported."""


class TrustStoreError(PkiError):
    """The trust store refused or failed an operation (for example a non-CA certificate)."""


class TokenError(PkiError):
    """A PKCS#11 token, slot or key problem."""


# --------------------------------------------------------------------------------------------------- edi
class EdiError(EportError):
    """Problems with customs messages."""


class DecodeError(EdiError):
    """Bytes are not a well-formed, safe, known message.

    Attributes:
        path: element path where decoding failed, e.g. ``/ceb:CEB621Message/ceb:Inventory[1]/ceb:InventoryHead``.
        line, column: position in the input, when known.
    """

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = []
        if path:
            where.append(path)
        if line is not None:
            where.append(f"line {line}" + (f", column {column}" if column is not None else ""))
        super().__init__(message + (f" (at {'; '.join(where)})" if where else ""))


class UnknownMessageError(DecodeError):
    """The root element is not a message type eport knows."""


class SignatureFormatError(InvalidSignature, DecodeError):
    """The input to verify is no signature document at all: bytes that are no well-formed XML
    (:func:`eport.pki.xmldsig.verify_enveloped`), no DER CMS ``ContentInfo`` holding a ``SignedData``
    (:func:`eport.pki.cms.verify_detached`), text that is no JSON (:func:`eport.pki.pay179.verify_pay_ex_info`).

    A document of the right kind that fails a check (changed after signing, no ``ds:Signature``, a damaged or
    forged signature value, the wrong certificate) is a plain :class:`InvalidSignature`: catch this class first to
    tell "this file is something else" (a wrong path, a PEM file, a truncated download) from "this signature does
    not verify".

    Why both bases: it is an :class:`InvalidSignature` so that code written before it existed, which catches
    ``InvalidSignature`` to refuse what does not verify, still refuses this input the same way (nothing that was
    refused escapes as another class); and a :class:`DecodeError` because the bytes do not decode, as any input
    eport cannot read, with ``line`` and ``column`` where the XML parser stopped. The command line exits with 1 for
    it (an input error), with 3 for any other :class:`InvalidSignature`.
    """


class EncodeError(EdiError):
    """A model cannot be written as XML. ``path`` names the offending field."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(message + (f" (at {path})" if path else ""))


class ValidationError(EdiError):
    """Strict checks failed. ``problems`` carries every problem found, not only the first."""

    def __init__(self, message: str, problems: Sequence[Any] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message)


class CodeTableError(EdiError, LookupError):
    """An unknown code table, or a code that is not in its table."""


class WorkerLostError(EdiError):
    """A worker process of ``validate_many`` / ``decode_many`` ended before returning its documents' results.

    The results before the first lost document were yielded; the batch stops here.

    Attributes:
        sources: the source ids of the documents the worker had and whose results are lost, in input order.
        status: how the worker ended, as text (``"was killed by signal 9 (SIGKILL)"``, ``"exited with status 1"``,
            ``"ended abruptly"`` when an executor does not tell).
    """

    def __init__(self, sources: Sequence[Any], status: str) -> None:
        self.sources = tuple(sources)
        self.status = status
        shown = ", ".join(str(source) for source in self.sources[:10])
        more = f" and {len(self.sources) - 10} more" if len(self.sources) > 10 else ""
        super().__init__(
            f"a worker process {status} before returning {len(self.sources)} document(s): {shown}{more}; "
            "the results before them were given, the batch stops here"
        )


# --------------------------------------------------------------------------------------------------- services
class ServiceError(EportError):
    """Problems talking to customs services, the exchange or the sandbox."""


class TransportError(ServiceError):
    """A transport failed to move bytes."""


class ServiceTimeout(TransportError):  # noqa: N818 - httpx naming
    """A transport operation timed out."""


class ConnectError(TransportError):
    """The service could not be reached."""


class ProtocolError(ServiceError):
    """A service answered with something that is not a valid reply."""


class DuplicateError(ServiceError):
    """The business document was already submitted (locally refused, or customs -301010, -401007, -301014)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        self.code = code
        super().__init__(message)


class RejectedError(ServiceError):
    """Customs rejected the message. ``code`` is the customs error code, ``receipt`` the receipt object."""

    def __init__(self, message: str, code: str | None = None, receipt: Any = None) -> None:
        self.code = code
        self.receipt = receipt
        super().__init__(message)


class JournalError(ServiceError):
    """The local submission journal could not be read or written."""


# svc (#12 leftovers): one damaged stored value affects its own row only
class DamagedRecordError(ServiceError):
    """One stored record has a value that does not read as what was stored there (damaged storage, a hand edit);
    the other records are unaffected.

    Attributes:
        table: the table (``forms``, ``declarations`` …).
        key: the record's key.
        column: the column that does not read.
    """

    def __init__(self, table: str, key: str, column: str, detail: str) -> None:
        super().__init__(f"{table} record {key} is damaged: {column} {detail}")
        self.table = table
        self.key = key
        self.column = column


# fixups: a listing goes on past the rows the client cannot read
class UnreadableRowsError(ProtocolError):
    """Rows of a listing the client could not read (an unknown 核销单 state, a malformed amount); every other row
    was read. Raised once, after the last page, by the listing iterators (the readable rows were yielded before),
    or by a single page call.

    Attributes:
        what: what the listing lists (``verification forms (核销单)``).
        rows: the unreadable rows, in listing order, each once (:class:`eport.services.rows.UnreadableRow`:
            ``position`` in the whole listing where it was first seen, ``key``, the ``raw`` row as the service sent
            it, and the ``reason``); a row seen on two pages (the pages shifted) is one row by its raw text.
        total: the rows looked at, readable or not, each once.
        readable: for a single page, the rows of that page that were read; empty for the iterators.
    """

    def __init__(self, what: str, rows: tuple[Any, ...], total: int, readable: tuple[Any, ...] = ()) -> None:
        named = "; ".join(
            f"#{row.position}" + (f" ({row.key})" if row.key else "") + f": {row.reason}" for row in rows[:5]
        )
        more = f"; and {len(rows) - 5} more" if len(rows) > 5 else ""
        super().__init__(f"{len(rows)} of {total} {what} could not be read (the others were): {named}{more}")
        self.what = what
        self.rows = rows
        self.total = total
        self.readable = readable


# --------------------------------------------------------------------------------------------------- portal
class PortalError(ServiceError):
    """A portal JSON service (refund, verification, login, identity, enterprise) refused a request or failed.

    Attributes:
        status: the HTTP status, ``None`` when no answer came.
        code: the service's error code from the JSON body, if any.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


class SessionExpiredError(PortalError):
    """The portal session ended (HTTP 401, or a redirect to the CAS login page); log in again."""


class LegacyOperationError(PortalError):
    """The operation existed on the old E-Port (e.g. 出口退税 数据报送) but not on the live portal any more;
    only the sandbox still offers it."""


# ------------------------------------------------------------------------------- verification, login, identity (#11)
class FormStateError(PortalError):
    """A 核销单 (verification form) action is not allowed in the form's custody state (e.g. hand-in before use).

    Attributes:
        form_no: the form number.
        state: the form's current state (``ISSUED`` …).
        action: the refused action (``file``, ``use``, ``hand_in`` …).
    """

    def __init__(self, message: str, *, form_no: str, state: str, action: str, status: int | None = None) -> None:
        self.form_no = form_no
        self.state = state
        self.action = action
        super().__init__(message, status=status, code="illegal_transition")


class PortRuleError(PortalError):
    """A 核销单 cannot be used on a declaration: not filed (备案) for the declaration's port, already used, or the
    declaration already carries another form.

    Attributes:
        rule: ``not_filed_for_port``, ``form_already_used`` or ``one_form_per_declaration``.
    """

    def __init__(self, message: str, *, rule: str, status: int | None = None) -> None:
        self.rule = rule
        super().__init__(message, status=status, code=rule)


class IdentityMismatchError(PortalError):
    """The card's identity (name, ID number) or enterprise does not match the 报关人员 record; nothing was bound.

    Attributes:
        fields: the names of the fields that differ (``name``, ``id_number``, ``enterprise_code``); never the values.
    """

    def __init__(self, message: str, *, fields: Sequence[str], status: int | None = None) -> None:
        self.fields = tuple(fields)
        super().__init__(message, status=status, code="identity_mismatch")


class LoginError(PortalError):
    """The card login (CAS challenge–response) was refused.

    Attributes:
        login_status: the login page's status code when it gave one (``4`` blacklist, ``5`` card information
            abnormal, ``0`` server error, ``6`` other), else ``None``.
    """

    def __init__(
        self, message: str, *, status: int | None = None, code: str | None = None, login_status: str | None = None
    ) -> None:
        self.login_status = login_status
        super().__init__(message, status=status, code=code)


class LoginPinError(LoginError):
    """The login service refused the PIN. ``tries_left`` says how many tries remain before the lock (``None``:
    unknown). eport never retries: ask the user again."""

    def __init__(self, message: str, *, tries_left: int | None, status: int | None = None) -> None:
        self.tries_left = tries_left
        super().__init__(message, status=status, code="pin_wrong")


class LoginLockedError(LoginError):
    """The card is locked at the login service after too many wrong PINs (卡已锁定): the card centre unlocks it
    (the PIN then goes back to the factory default)."""


class CardNotBoundError(LoginError):
    """The card (or its certificate) is not registered with / bound to a portal account."""


class LoginCertificateError(LoginError):
    """The login service refused the certificate: expired, or card information abnormal (status 5: 证书延期)."""


class ChallengeError(LoginError):
    """The login challenge (``random``/``lt``) is unknown, used or expired, or the signature over it does not
    verify (the challenge-signing encoding is unverified: see ``docs/login.md``)."""


__all__ = [
    "ApduError",
    "BadResponseError",
    "CardError",
    "CardNotBoundError",
    "CardRemovedError",
    "CardResetError",
    "CardTimeoutError",
    "CertificateError",
    "ChainError",
    "ChainSearchLimitError",
    "ChallengeError",
    "CodeTableError",
    "ConfigurationError",
    "ConnectError",
    "DamagedRecordError",
    "DecodeError",
    "DuplicateError",
    "EdiError",
    "EncodeError",
    "EportError",
    "FieldError",
    "FileNotFound",
    "FormStateError",
    "IdentifierError",
    "IdentityMismatchError",
    "InvalidSignature",
    "JournalError",
    "LegacyOperationError",
    "LocalServiceError",
    "LoginCertificateError",
    "LoginError",
    "LoginLockedError",
    "LoginPinError",
    "MissingExtraError",
    "NoCardError",
    "NoReaderError",
    "NotSupportedError",
    "PcscUnavailableError",
    "PinError",
    "PinLockedError",
    "PinPolicyError",
    "PkiError",
    "PortRuleError",
    "PortalError",
    "ProtocolError",
    "ReaderError",
    "ReaderNotFoundError",
    "RejectedError",
    "RevocationError",
    "SecurityStatusNotSatisfied",
    "ServiceError",
    "ServiceTimeout",
    "SessionExpiredError",
    "SignatureFormatError",
    "TokenError",
    "TransportError",
    "TrustStoreError",
    "UnknownMessageError",
    "UnreadableRowsError",
    "UnsupportedAlgorithm",
    "ValidationError",
    "WorkerLostError",
    "WrongLengthError",
]
