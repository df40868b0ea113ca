"""Enterprise records (报关单位备案) and customs credit levels, as read-only typed models, and their client.

Credit schemes (``REFUND_AND_VERIFICATION.md`` §5)::

    classification (企业分类管理, before 2014-12-01)   AA, A, B, C, D
    海关总署令第225号 (2014-12-01)                     高级认证企业, 一般认证企业, 一般信用企业, 失信企业
    海关总署令第251号 (2021-11-01)                     高级认证企业, 失信企业, 其他 (registered, not rated)
    海关总署令第282号 (2026-04-01)                     高级认证企业, 认证企业, 常规企业, 失信企业, 严重失信企业

:class:`CreditLevel` is the five-level scheme in force from 2026-04-01; :func:`to_current` maps an older level onto
it. The mapping is eport's reading of the schemes (the 2014 conversion AA → 高级认证, A → 一般认证, B → 一般信用,
C/D → 失信 is background knowledge, not confirmed in a source); no older level maps to 严重失信企业, which did not
exist before 282. Being unverified, it is configurable: pass your own table for one scheme or more
(``to_current(…, mapping=…)``, ``EnterpriseClient(…, credit_mapping=…)``); the other schemes keep eport's.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from eport.errors import FieldError, ProtocolError
from eport.identifiers import CustomsCode, Uscc
from eport.services._portal_typed import call
from eport.services.portal import PortalSession
from eport.services.session import PortalLoginSession

#: The day the five-level scheme (海关总署令第282号) took effect.
FIVE_LEVEL_SCHEME = dt.date(2026, 4, 1)


class CreditLevel(enum.Enum):
    """Customs credit level in the five-level scheme (from 2026-04-01)."""

    ADVANCED_CERTIFIED = "ADVANCED_CERTIFIED"  # 高级认证企业
    CERTIFIED = "CERTIFIED"  # 认证企业
    CONVENTIONAL = "CONVENTIONAL"  # 常规企业
    DISHONEST = "DISHONEST"  # 失信企业
    SEVERELY_DISHONEST = "SEVERELY_DISHONEST"  # 严重失信企业

    @property
    def label(self) -> str:
        """The Chinese name."""
        return _CREDIT_LABELS[self]

    @property
    def is_aeo(self) -> bool:
        """Both 认证 levels count as AEO."""
        return self in (CreditLevel.ADVANCED_CERTIFIED, CreditLevel.CERTIFIED)


_CREDIT_LABELS = {
    CreditLevel.ADVANCED_CERTIFIED: "高级认证企业",
    CreditLevel.CERTIFIED: "认证企业",
    CreditLevel.CONVENTIONAL: "常规企业",
    CreditLevel.DISHONEST: "失信企业",
    CreditLevel.SEVERELY_DISHONEST: "严重失信企业",
}


class CreditScheme(enum.Enum):
    """Which credit scheme a level was given under (the value is the day it took effect)."""

    CLASSIFICATION = "2008-04-01"
    DECREE_225 = "2014-12-01"
    DECREE_251 = "2021-11-01"
    DECREE_282 = "2026-04-01"

    @property
    def effective(self) -> dt.date:
        """The day the scheme took effect."""
        return dt.date.fromisoformat(self.value)


#: Older levels (by scheme, by label or code) → the five-level scheme.
LEGACY_MAPPING: Mapping[CreditScheme, Mapping[str, CreditLevel]] = {
    CreditScheme.CLASSIFICATION: {
        "AA": CreditLevel.ADVANCED_CERTIFIED,
        "A": CreditLevel.CERTIFIED,
        "B": CreditLevel.CONVENTIONAL,
        "C": CreditLevel.DISHONEST,
        "D": CreditLevel.DISHONEST,
    },
    CreditScheme.DECREE_225: {
        "高级认证企业": CreditLevel.ADVANCED_CERTIFIED,
        "一般认证企业": CreditLevel.CERTIFIED,
        "一般信用企业": CreditLevel.CONVENTIONAL,
        "失信企业": CreditLevel.DISHONEST,
    },
    CreditScheme.DECREE_251: {
        "高级认证企业": CreditLevel.ADVANCED_CERTIFIED,
        "其他": CreditLevel.CONVENTIONAL,
        "其他注册登记企业": CreditLevel.CONVENTIONAL,
        "失信企业": CreditLevel.DISHONEST,
    },
    CreditScheme.DECREE_282: {level.label: level for level in CreditLevel},
}


def scheme_on(day: dt.date) -> CreditScheme:
    """The credit scheme in force on ``day``."""
    current = CreditScheme.CLASSIFICATION
    for scheme in CreditScheme:
        if day >= scheme.effective:
            current = scheme
    return current


def to_current(
    level: str, scheme: CreditScheme, *, mapping: Mapping[CreditScheme, Mapping[str, CreditLevel]] | None = None
) -> CreditLevel:
    """Map a level of ``scheme`` (label such as ``一般认证企业``, class ``AA``, or a five-level enum name) to the
    five-level scheme.

    Args:
        level: the level as the record gives it.
        scheme: the scheme it belongs to.
        mapping: tables replacing :data:`LEGACY_MAPPING`'s for the schemes they name (the mapping is unverified);
            the other schemes keep eport's.

    Raises:
        eport.errors.FieldError: the level does not exist in that scheme.
    """
    text = level.strip()
    if scheme is CreditScheme.DECREE_282 and text in CreditLevel.__members__:
        return CreditLevel[text]
    table = (mapping or {}).get(scheme, LEGACY_MAPPING[scheme])
    found = table.get(text.upper() if scheme is CreditScheme.CLASSIFICATION else text)
    if found is None:
        known = ", ".join(table)
        raise FieldError("credit_level", f"{text!r} is not a level of the {scheme.name} scheme; known: {known}")
    return found


class FilingState(enum.Enum):
    """State of the 报关单位备案 record."""

    DRAFT = "DRAFT"  # 暂存
    DECLARED = "DECLARED"  # 已申报
    APPROVED = "APPROVED"  # 审核通过
    RETURNED = "RETURNED"  # 退回
    CHANGE_PENDING = "CHANGE_PENDING"  # 变更申报中
    CANCELLED = "CANCELLED"  # 注销


class AnnualReportStatus(enum.Enum):
    """The enterprise annual report (企业年报, through the national credit publicity system) for a year."""

    SUBMITTED = "SUBMITTED"  # 已报送
    NOT_SUBMITTED = "NOT_SUBMITTED"  # 未报送 (still within the period)
    OVERDUE = "OVERDUE"  # 逾期未报


@attrs.frozen(kw_only=True)
class AnnualReport:
    """The annual report of one year."""

    year: int
    status: AnnualReportStatus


@attrs.frozen(kw_only=True)
class EnterpriseRecord:
    """A 报关单位备案 record as customs holds it (read-only).

    Attributes:
        customs_code: 海关注册编码 (10).
        uscc: 统一社会信用代码.
        name: 中文名称.
        registered_customs: 注册海关 (4-digit 关区).
        filing_state: the record's state.
        credit_level: in the five-level scheme (older levels are mapped by :func:`to_current`).
        annual_report: the latest annual report, when known.
        address: 工商注册地址, when given.
    """

    customs_code: CustomsCode
    uscc: Uscc
    name: str
    registered_customs: str
    filing_state: FilingState
    credit_level: CreditLevel
    annual_report: AnnualReport | None = None
    address: str = ""

    @classmethod
    def from_wire(
        cls, data: Mapping[str, Any], *, mapping: Mapping[CreditScheme, Mapping[str, CreditLevel]] | None = None
    ) -> EnterpriseRecord:
        """Parse the portal's JSON; a credit level of an older scheme (``creditScheme``) is mapped (by ``mapping``
        where it names the scheme, see :func:`to_current`).

        Raises:
            eport.errors.ProtocolError: a missing or malformed field.
        """
        if not isinstance(data, Mapping):
            raise ProtocolError(f"the enterprise service answered {type(data).__name__}, not a record")
        try:
            scheme = CreditScheme[data.get("creditScheme") or "DECREE_282"]
            report = data.get("annualReport")
            return cls(
                customs_code=CustomsCode(data["customsCode"]),
                uscc=Uscc(data["uscc"]),
                name=_text(data["name"], "name"),
                registered_customs=_text(data["registeredCustoms"], "registeredCustoms"),
                filing_state=FilingState(data["filingState"]),
                credit_level=to_current(str(data["creditLevel"]), scheme, mapping=mapping),
                annual_report=None
                if not report
                else AnnualReport(year=int(report["year"]), status=AnnualReportStatus(report["status"])),
                address=_text(data.get("address") or "", "address"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"malformed enterprise record in the reply: {exc}") from exc


def _text(value: object, name: str) -> str:
    """A text member of the reply; ``str()`` of ``null`` or a number would be text the portal never sent."""
    if not isinstance(value, str):
        raise ValueError(f"{name} {value!r:.40} is not text")
    return value


class EnterpriseClient:
    """Read the enterprise records of the portal (or the sandbox); needs a card-login session.

    Args:
        session: the card-login session or its portal.
        credit_mapping: tables replacing eport's (unverified) mapping of older credit levels for the schemes they
            name (see :func:`to_current`).
    """

    PATH = "/api/v1/enterprise"

    def __init__(
        self,
        session: PortalLoginSession | PortalSession,
        *,
        credit_mapping: Mapping[CreditScheme, Mapping[str, CreditLevel]] | None = None,
    ) -> None:
        self.portal = session.portal if isinstance(session, PortalLoginSession) else session
        self.credit_mapping = credit_mapping

    def __repr__(self) -> str:
        return f"EnterpriseClient({self.portal.base_url!r})"

    def get(self, customs_code: str) -> EnterpriseRecord:
        """One enterprise's record.

        Raises:
            eport.errors.IdentifierError: a malformed customs code.
            eport.errors.PortalError: 404 when there is none.
            eport.errors.ProtocolError: a malformed record, or another enterprise's.
        """
        code = CustomsCode.parse(customs_code, field="customs_code")
        record = EnterpriseRecord.from_wire(
            call(self.portal, "GET", f"{self.PATH}/{code}"), mapping=self.credit_mapping
        )
        if record.customs_code != code:  # another enterprise's record would be shown as this one
            raise ProtocolError(f"asked for enterprise {code}, the enterprise service answered {record.customs_code}")
        return record


__all__ = [
    "FIVE_LEVEL_SCHEME",
    "LEGACY_MAPPING",
    "AnnualReport",
    "AnnualReportStatus",
    "CreditLevel",
    "CreditScheme",
    "EnterpriseClient",
    "EnterpriseRecord",
    "FilingState",
    "scheme_on",
    "to_current",
]
