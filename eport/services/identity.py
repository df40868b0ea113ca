"""身份认证: binding a 报关人员 (customs declarant) to the operator card, and the match rule.

The rule (``REFUND_AND_VERIFICATION.md`` §6): **the identity data on the card (name, ID number) and the enterprise on
the card must match the 报关人员 record**; otherwise nothing is bound and
:class:`~eport.errors.IdentityMismatchError` names the fields that differ (never their values)::

    UNBOUND --bind [card.name == rec.name ∧ card.id_number == rec.id_number ∧ card.enterprise == rec.enterprise]-->
    BOUND --unbind--> UNBOUND

The portal (and the sandbox) applies the rule with the card centre's identity of the logged-in card;
:meth:`IdentityClient.bind` also checks it locally first when given the card's identity (:func:`card_identity`),
so a mismatch is reported without a round trip. Declarations then carry the bound person (``DecHead.DeclareName``,
``DecFreeTxt.DecNo``) and the card (``DecSign.ICCode``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from eport.card.base import OperatorCardBackend
from eport.errors import IdentityMismatchError, ProtocolError
from eport.identifiers import DeclarantNo
from eport.pki.certs import certificate_from_der
from eport.services._portal_typed import call
from eport.services.portal import PortalSession
from eport.services.session import PortalLoginSession


class BindingState(enum.Enum):
    """Whether a 报关人员 is bound to a card."""

    UNBOUND = "UNBOUND"
    BOUND = "BOUND"


class DeclarantStatus(enum.Enum):
    """The 报关人员's filing (所属报关人员 业务种类 备案 / 变更 / 注销)."""

    FILED = "FILED"  # 备案
    CHANGED = "CHANGED"  # 变更
    CANCELLED = "CANCELLED"  # 注销


def _mask(value: str | None) -> str:
    if not value:
        return repr(value)
    return f"'{value[:4]}…{value[-1]}'" if len(value) > 5 else "'…'"


@attrs.frozen(kw_only=True)
class CardIdentity:
    """Who the card says its holder is.

    Attributes:
        card_id: the IC card number.
        name: the holder's name.
        enterprise_code: the enterprise's 海关注册编码.
        id_number: the holder's ID number, when the certificate carries it (extension ``.5.8``); else ``None``
            (the portal then compares with the card centre's record).
    """

    card_id: str
    name: str
    enterprise_code: str
    id_number: str | None = attrs.field(default=None, repr=_mask)


def card_identity(card: OperatorCardBackend) -> CardIdentity:
    """The identity of an operator card (card and holder data, ID number from the certificate when present)."""
    info = card.info()
    certificate = certificate_from_der(card.signing_certificate())
    return CardIdentity(
        card_id=info.card_id,
        name=info.holder_name,
        enterprise_code=info.enterprise_code,
        id_number=certificate.id_number,
    )


@attrs.frozen(kw_only=True)
class DeclarantRecord:
    """A 报关人员 record (read-only).

    Attributes:
        declarant_no: 报关人员编号 / 申报人员证号 (``DecFreeTxt.DecNo``).
        name: 姓名.
        id_type: 身份证件类型 (``居民身份证`` …).
        id_number: 身份证件号码 (masked in the repr).
        enterprise_code: 所属报关单位海关注册编码.
        status: filed, changed or cancelled.
        binding: bound or not.
        card_id: the bound card, when bound.
    """

    declarant_no: DeclarantNo
    name: str
    id_type: str
    id_number: str = attrs.field(repr=_mask)
    enterprise_code: str
    status: DeclarantStatus
    binding: BindingState
    card_id: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> DeclarantRecord:
        """Parse the portal's JSON.

        Raises:
            eport.errors.ProtocolError: a missing or malformed field.
        """
        try:
            card_id = data.get("cardId")
            return cls(
                declarant_no=DeclarantNo.parse(data["declarantNo"], field="declarantNo"),
                name=_text(data["name"], "name"),
                id_type=_text(data["idType"], "idType"),
                id_number=_text(data["idNumber"], "idNumber"),
                enterprise_code=_text(data["enterpriseCode"], "enterpriseCode"),
                status=DeclarantStatus(data["status"]),
                binding=BindingState(data["binding"]),
                card_id=None if card_id is None else _text(card_id, "cardId"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"malformed 报关人员 record in the reply: {exc}") from exc


def _text(value: object, name: str) -> str:
    """A text member of the reply; ``str()`` of ``null`` or a number would be text the portal never sent. The value
    itself is not quoted: it may be an ID number."""
    if not isinstance(value, str):
        raise ValueError(f"{name} is {type(value).__name__}, not text")
    return value


def mismatches(card: CardIdentity, record: DeclarantRecord) -> tuple[str, ...]:
    """The names of the fields where card and record differ (an ID number the card lacks is not compared)."""
    differing = []
    if card.name.strip() != record.name.strip():
        differing.append("name")
    if card.id_number is not None and card.id_number.strip().upper() != record.id_number.strip().upper():
        differing.append("id_number")
    if card.enterprise_code.strip() != record.enterprise_code.strip():
        differing.append("enterprise_code")
    return tuple(differing)


def check_match(card: CardIdentity, record: DeclarantRecord) -> None:
    """Apply the binding rule.

    Raises:
        eport.errors.IdentityMismatchError: card and record differ (``fields`` names which).
    """
    differing = mismatches(card, record)
    if differing:
        raise IdentityMismatchError(
            f"the card does not match 报关人员 {record.declarant_no}: {', '.join(differing)} differ(s); nothing bound",
            fields=differing,
        )


class IdentityClient:
    """身份认证 services of the portal (or the sandbox): view, bind and unbind 报关人员; needs a card login.

    Args:
        session: the card-login session or its portal.
    """

    PATH = "/api/v1/identity/declarants"

    def __init__(self, session: PortalLoginSession | PortalSession) -> None:
        self.portal = session.portal if isinstance(session, PortalLoginSession) else session

    def __repr__(self) -> str:
        return f"IdentityClient({self.portal.base_url!r})"

    def _path(self, declarant_no: str, tail: str = "") -> str:
        return f"{self.PATH}/{DeclarantNo.parse(declarant_no, field='declarant_no')}{tail}"

    @staticmethod
    def _record(data: Any, declarant_no: str) -> DeclarantRecord:
        """The record of ``declarant_no`` as the service answered it; a record of another 报关人员 is the service's
        fault (it would be shown as this one, or the binding rule applied to the wrong person)."""
        if not isinstance(data, dict):
            raise ProtocolError("the identity service did not answer a record")
        record = DeclarantRecord.from_wire(data)
        asked = DeclarantNo.parse(declarant_no, field="declarant_no")
        if record.declarant_no != asked:
            raise ProtocolError(f"asked for 报关人员 {asked}, the identity service answered {record.declarant_no}")
        return record

    def get(self, declarant_no: str) -> DeclarantRecord:
        """One 报关人员 of the logged-in card's enterprise.

        Raises:
            eport.errors.PortalError: 404 when there is none.
            eport.errors.ProtocolError: a malformed record, or the record of another 报关人员.
        """
        return self._record(call(self.portal, "GET", self._path(declarant_no)), declarant_no)

    def bind(self, declarant_no: str, *, card: CardIdentity | None = None) -> DeclarantRecord:
        """Bind the 报关人员 to the logged-in card (报关人员信息绑定).

        Args:
            declarant_no: the 报关人员.
            card: the card's identity, to check the rule locally first (the portal checks it anyway).

        Raises:
            eport.errors.IdentityMismatchError: card and record differ; nothing was bound.
            eport.errors.ProtocolError: the record read for the local check is malformed or another 报关人员's;
                nothing was bound.
            eport.errors.PortalError: the record is cancelled (``declarant_cancelled``) or bound to another card
                (``already_bound``).
        """
        if card is not None:
            check_match(card, self.get(declarant_no))
        return self._record(call(self.portal, "POST", self._path(declarant_no, "/bind"), idempotent=True), declarant_no)

    def unbind(self, declarant_no: str) -> DeclarantRecord:
        """Unbind the 报关人员 from the logged-in card.

        Raises:
            eport.errors.PortalError: not bound to this card (``not_bound``).
        """
        return self._record(
            call(self.portal, "POST", self._path(declarant_no, "/unbind"), idempotent=True), declarant_no
        )


__all__ = [
    "BindingState",
    "CardIdentity",
    "DeclarantRecord",
    "DeclarantStatus",
    "IdentityClient",
    "card_identity",
    "check_match",
    "mismatches",
]
