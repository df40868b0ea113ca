"""``CHANNEL`` codes of declaration receipts (报关单回执) with their meaning and group.

Sources: FORMATS.md §2.6 (``CusDecStatus`` enum of a customs-broker ERP and status groupings of two public
integrations) [IMPL]. Unknown codes do not fail: :class:`DecStatus` keeps the raw code with group ``UNKNOWN``.
A normal life: 7 申报成功 → L 海关入库 → J 无纸化审结 → P 海关放行 → R 结关.
"""

from __future__ import annotations

import enum

import attrs


class ChannelGroup(enum.Enum):
    """Where a declaration stands, as the Single Window client groups channels."""

    CLIENT = "client"
    """Handled by the client or the pre-entry system (暂存, 申报 …), not yet in customs' database."""
    ENTERED = "entered"
    """入库未审批: in customs' database, not released."""
    RELEASED = "released"
    """已放行: reviewed, released or closed."""
    NOT_RELEASED = "not_released"
    """不放行: rejected or returned for amendment."""
    CIQ = "ciq"
    """检务: inspection and quarantine."""
    TWO_STEP = "two_step"
    """两步申报: two-step declaration."""
    OTHER = "other"
    """Known code without a group (N 重传文件)."""
    UNKNOWN = "unknown"
    """A code eport does not know."""


class Channel(enum.Enum):
    """Known ``CHANNEL`` values. Use :class:`DecStatus` to handle unknown ones as well."""

    IMPORT_OK = "0"
    COOPERATIVE_ENTRY_OK = "1"
    SAVED = "S0"
    SAVE_FAILED = "F1"
    CLIENT_ERROR = "f0"
    DECLARED = "7"
    DECLARE_FAILED = "Y"
    FORM_DECLARED = "E0"
    FORM_DECLARE_OK = "E1"
    ENTERED = "L"
    DELETED_BEFORE_RELEASE = "A"
    RELEASED_ON_GUARANTEE = "B"
    DELETED_BY_CUSTOMS = "D"
    SUSPENDED = "H"
    REVIEW_AGAIN = "M"
    TAXES_DUE = "T"
    PORT_ENTRY_ALLOWED = "X"
    CONCLUDED = "G"
    PAPERLESS_CONCLUDED = "J"
    PAPERLESS_GUARANTEE_RELEASE = "K"
    INSPECTION_NOTICE = "C"
    PAPERLESS_RELEASE = "I"
    PAPERLESS_CHECK_RELEASE = "W"
    RELEASED = "P"
    RELEASE_HANDOVER = "F"
    PAPERLESS_CARD_ENTRY = "#"
    CLOSED = "R"
    REJECTED = "E"
    RETURNED_FOR_AMENDMENT = "Z"
    RESEND_FILES = "N"
    CIQ_INSPECTION = "S"
    CIQ_VISA = "a"
    CIQ_REVIEW_SENT = "b"
    CIQ_WITHDRAWN = "c"
    CIQ_APPLIED = "d"
    TWO_STEP_ENTERED = "SpL"
    TWO_STEP_REJECTED = "SpE"
    TWO_STEP_CONCLUDED = "SpJ"
    TWO_STEP_SUPPLEMENT_REQUIRED = "Sp1"
    TWO_STEP_INSPECTION = "SpC"
    TWO_STEP_RELEASED = "SpK"

    @property
    def meaning(self) -> str:
        """Chinese meaning with an English gloss."""
        return _MEANINGS[self][0]

    @property
    def group(self) -> ChannelGroup:
        """The channel's group."""
        return _MEANINGS[self][1]


_C, _E, _R, _N, _Q, _T = (
    ChannelGroup.CLIENT,
    ChannelGroup.ENTERED,
    ChannelGroup.RELEASED,
    ChannelGroup.NOT_RELEASED,
    ChannelGroup.CIQ,
    ChannelGroup.TWO_STEP,
)
_MEANINGS: dict[Channel, tuple[str, ChannelGroup]] = {
    Channel.IMPORT_OK: ("导入成功 imported by the client", _C),
    Channel.COOPERATIVE_ENTRY_OK: ("协同入库成功 accepted by the client", _C),
    Channel.SAVED: ("暂存成功 saved", _C),
    Channel.SAVE_FAILED: ("暂存失败 save failed", _C),
    Channel.CLIENT_ERROR: ("客户端错误 client error", _C),
    Channel.DECLARED: ("申报成功 declared to the pre-entry system", _C),
    Channel.DECLARE_FAILED: ("申报失败 declaration failed", _C),
    Channel.FORM_DECLARED: ("表格已申报 form declared", _C),
    Channel.FORM_DECLARE_OK: ("表格申报成功 form declaration succeeded", _C),
    Channel.ENTERED: ("海关已接收/入库成功 entered into customs' database", _E),
    Channel.DELETED_BEFORE_RELEASE: ("放行前删除或异常处理 deleted before release", _E),
    Channel.RELEASED_ON_GUARANTEE: ("担保放行 released on guarantee", _E),
    Channel.DELETED_BY_CUSTOMS: ("海关删单 deleted by customs", _E),
    Channel.SUSPENDED: ("海关挂起，需手工申报 suspended, declare manually", _E),
    Channel.REVIEW_AGAIN: ("报关单重审 re-review", _E),
    Channel.TAXES_DUE: ("需交税费 taxes due", _E),
    Channel.PORT_ENTRY_ALLOWED: ("准予进港 port entry allowed (Yangshan)", _E),
    Channel.CONCLUDED: ("报关单已审结 review concluded", _R),
    Channel.PAPERLESS_CONCLUDED: ("通关无纸化审结 paperless review concluded", _R),
    Channel.PAPERLESS_GUARANTEE_RELEASE: ("通关无纸化担保放行 paperless release on guarantee", _R),
    Channel.INSPECTION_NOTICE: ("查验通知 inspection notice", _R),
    Channel.PAPERLESS_RELEASE: ("无纸放行通知 paperless release notice", _R),
    Channel.PAPERLESS_CHECK_RELEASE: ("无纸验放通知 paperless check-and-release notice", _R),
    Channel.RELEASED: ("海关已放行 released", _R),
    Channel.RELEASE_HANDOVER: ("放行交单 release, hand over documents", _R),
    Channel.PAPERLESS_CARD_ENTRY: ("通关无纸化准予进卡通知书 paperless card entry allowed", _R),
    Channel.CLOSED: ("已结关 closed", _R),
    Channel.REJECTED: ("退单/不受理 rejected", _N),
    Channel.RETURNED_FOR_AMENDMENT: ("退回修改 returned for amendment", _N),
    Channel.RESEND_FILES: ("重传文件 resend files", ChannelGroup.OTHER),
    Channel.CIQ_INSPECTION: ("施检 CIQ inspection", _Q),
    Channel.CIQ_VISA: ("签证 CIQ visa issued", _Q),
    Channel.CIQ_REVIEW_SENT: ("已发检验检疫审核 sent to CIQ review", _Q),
    Channel.CIQ_WITHDRAWN: ("检验检疫撤单 CIQ withdrawn", _Q),
    Channel.CIQ_APPLIED: ("申请检验检疫成功 CIQ application accepted", _Q),
    Channel.TWO_STEP_ENTERED: ("概要申报海关入库 summary entered", _T),
    Channel.TWO_STEP_REJECTED: ("概要申报海关退单 summary rejected", _T),
    Channel.TWO_STEP_CONCLUDED: ("概要申报海关审结 summary concluded", _T),
    Channel.TWO_STEP_SUPPLEMENT_REQUIRED: ("要求补充申报通知 supplementary declaration required", _T),
    Channel.TWO_STEP_INSPECTION: ("查验通知 two-step inspection", _T),
    Channel.TWO_STEP_RELEASED: ("提货放行 goods released for pick-up", _T),
}

_FAILURES = {
    Channel.SAVE_FAILED,
    Channel.CLIENT_ERROR,
    Channel.DECLARE_FAILED,
    Channel.REJECTED,
    Channel.RETURNED_FOR_AMENDMENT,
    Channel.TWO_STEP_REJECTED,
}

#: Channels whose meaning is a release (放行) of the goods; see :attr:`DecStatus.is_released`.
_RELEASES = frozenset(
    {
        Channel.RELEASED,
        Channel.RELEASE_HANDOVER,
        Channel.PAPERLESS_RELEASE,
        Channel.PAPERLESS_CHECK_RELEASE,
        Channel.PAPERLESS_GUARANTEE_RELEASE,
        Channel.RELEASED_ON_GUARANTEE,
        Channel.CLOSED,
        Channel.TWO_STEP_RELEASED,
    }
)


@attrs.frozen
class DecStatus:
    """The status a receipt reports: the raw ``CHANNEL`` code and what eport knows about it.

    Attributes:
        code: the code as received (``"P"``).
        channel: the known :class:`Channel`, or ``None`` for an unknown code.
    """

    code: str
    channel: Channel | None

    @classmethod
    def of(cls, code: str | None) -> DecStatus:
        """Build from a raw code; unknown codes give ``channel=None`` (no error)."""
        raw = (code or "").strip()
        try:
            return cls(code=raw, channel=Channel(raw))
        except ValueError:
            return cls(code=raw, channel=None)

    @property
    def group(self) -> ChannelGroup:
        """The channel group, ``UNKNOWN`` for an unknown code."""
        return self.channel.group if self.channel is not None else ChannelGroup.UNKNOWN

    @property
    def meaning(self) -> str:
        """Meaning of the code, or a note that it is unknown."""
        return self.channel.meaning if self.channel is not None else f"unknown channel {self.code!r}"

    @property
    def is_released(self) -> bool:
        """True when the code itself says customs released the goods (放行): P, F, I, W, K, B, R (结关, after
        release) and 两步申报 SpK.

        Stricter than :attr:`group`: the client's 已放行 group also holds G/J 审结 (review concluded, release still
        to come: the normal life is J → P), C 查验通知 (an inspection notice) and # 准予进卡; the group's 入库未审批
        holds B 担保放行 (released on guarantee). Goods must never move on an inspection notice.
        """
        return self.channel in _RELEASES

    @property
    def is_entered(self) -> bool:
        """True when the declaration is in customs' database and not yet released (入库未审批)."""
        return self.group is ChannelGroup.ENTERED

    @property
    def is_failure(self) -> bool:
        """True for failures and rejections (暂存失败, 申报失败, 退单, 退回修改 …): the declarant must act."""
        return self.channel in _FAILURES

    def __str__(self) -> str:
        return f"{self.code} {self.meaning}"


__all__ = ["Channel", "ChannelGroup", "DecStatus"]
