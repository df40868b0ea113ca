"""Typed views of the positional flag fields of a declaration and of its operation type.

The wire values stay strings in the models (what customs reads); these classes parse and rebuild them:

* ``DecHead/Type`` 单据类型 → :class:`DecType`;
* ``DecHead/PromiseItmes`` 价格说明 (official spelling) → :class:`PromiseItems`;
* ``DecHead/DataSource`` 扩展字段 → :class:`DataSource`;
* ``DecHead/SpecDeclFlag`` 特种业务标识 → :class:`SpecDeclFlag`;
* ``DecSign/OperType`` 操作类型 → :class:`OperType`, which also tells the required-field level.

Positions the reference does not describe are kept verbatim (``rest``/``raw``) so nothing is lost on a round trip.
"""

from __future__ import annotations

import enum
import logging

import attrs

from eport.errors import ConfigurationError

logger = logging.getLogger(__name__)


class Level(enum.Enum):
    """Which set of required fields applies (from the CIT field table)."""

    NONE = "none"
    """OperType E: 电子手册报关单上载, customs does no emptiness or logic checks."""
    SAVE = "save"
    """暂存必填: required to save (OperType G, also A/B uploads)."""
    DECLARE = "declare"
    """申报必填: required to declare (OperType C/D)."""


class OperType(enum.Enum):
    """``DecSign/OperType`` 操作类型."""

    UPLOAD = "A"
    """报关单上载 upload a declaration."""
    UPLOAD_WITH_TRANSIT = "B"
    """报关单、转关单上载 upload a declaration with its transit declaration."""
    DECLARE = "C"
    """报关单申报 declare."""
    DECLARE_WITH_TRANSIT = "D"
    """报关单、转关单申报 declare with the transit declaration."""
    MANUAL_UPLOAD = "E"
    """电子手册报关单上载 (no emptiness or logic checks by customs)."""
    SAVE = "G"
    """报关单暂存 save (also 转关提前报关单暂存)."""

    @property
    def level(self) -> Level:
        """The required-field level of this operation."""
        if self in (OperType.DECLARE, OperType.DECLARE_WITH_TRANSIT):
            return Level.DECLARE
        if self is OperType.MANUAL_UPLOAD:
            return Level.NONE
        return Level.SAVE


def _tri(ch: str) -> bool | None:
    if ch == "1":
        return True
    if ch == "0":
        return False
    return None


def _tri_char(value: bool | None) -> str:
    return "9" if value is None else ("1" if value else "0")


@attrs.frozen
class PromiseItems:
    """``PromiseItmes`` 价格说明: one character per confirmation, ``1`` ticked, ``0`` not ticked, ``9`` blank.

    ``None`` means blank (``9``). Positions after the fifth are kept in ``rest``.
    """

    special_relationship: bool | None = None
    """1 特殊关系确认 special relationship between buyer and seller."""
    price_influence: bool | None = None
    """2 价格影响确认 the relationship influenced the price."""
    royalties: bool | None = None
    """3 支付特许权使用费确认 royalties or licence fees paid."""
    formula_pricing: bool | None = None
    """4 公式定价确认 formula pricing."""
    provisional_price: bool | None = None
    """5 暂定价格确认 provisional price."""
    rest: str = ""

    @classmethod
    def parse(cls, value: str | None) -> PromiseItems:
        """Parse the wire value (``"0011"`` → special relationship no, price influence no, royalties yes …).

        Raises:
            ConfigurationError: if a position holds something other than 0, 1, 9 or a blank.
        """
        text = value or ""
        head = text[:5]
        for i, ch in enumerate(head, start=1):
            if ch not in "019 ":
                raise ConfigurationError(f"PromiseItmes position {i} is {ch!r}; expected 1, 0 or 9")
        chars = [_tri(ch) for ch in head.ljust(5, "9")]
        return cls(
            special_relationship=chars[0],
            price_influence=chars[1],
            royalties=chars[2],
            formula_pricing=chars[3],
            provisional_price=chars[4],
            rest=text[5:],
        )

    def to_wire(self) -> str:
        """Return the wire value (always at least five characters)."""
        values = (
            self.special_relationship,
            self.price_influence,
            self.royalties,
            self.formula_pricing,
            self.provisional_price,
        )
        return "".join(_tri_char(v) for v in values) + self.rest


@attrs.frozen
class SpecDeclFlag:
    """``SpecDeclFlag`` 特种业务标识: one ``0``/``1`` character per special business; unknown positions in ``rest``."""

    international_event: bool = False
    """1 国际赛事."""
    military_goods: bool = False
    """2 特殊进出军工物资."""
    aid_goods: bool = False
    """3 国际援助物资."""
    international_conference: bool = False
    """4 国际会议."""
    direct_release: bool = False
    """5 直通放行."""
    diplomatic: bool = False
    """6 外交礼遇."""
    transit: bool = False
    """7 转关."""
    rest: str = ""

    _NAMES = (
        "international_event",
        "military_goods",
        "aid_goods",
        "international_conference",
        "direct_release",
        "diplomatic",
        "transit",
    )

    @classmethod
    def parse(cls, value: str | None) -> SpecDeclFlag:
        """Parse the wire value (``"0000100"`` → direct release).

        Raises:
            ConfigurationError: if one of the first seven positions is not ``0`` or ``1``.
        """
        text = value or ""
        flags: dict[str, bool] = {}
        for i, (name, ch) in enumerate(zip(cls._NAMES, text, strict=False), start=1):
            if ch not in "01":
                raise ConfigurationError(f"SpecDeclFlag position {i} is {ch!r}; expected 0 or 1")
            flags[name] = ch == "1"
        return cls(**flags, rest=text[7:])

    def to_wire(self) -> str:
        """Return the wire value; an all-clear flag set with no extra positions is the empty string."""
        bits = "".join("1" if getattr(self, n) else "0" for n in self._NAMES)
        if "1" not in bits and not self.rest:
            return ""
        return bits + self.rest


@attrs.frozen
class DataSource:
    """``DataSource`` 扩展字段 (5 characters, positional).

    Position 1: export non-medical mask standard (仅出口非医用口罩填写); position 3: item split (商品拆分);
    position 5: smart declaration (智能申报, 0/1/2). Positions 2 and 4 are kept verbatim. Blank is a space.
    """

    mask_standard: str = " "
    position2: str = " "
    item_split: str = " "
    position4: str = " "
    smart_declaration: str = " "
    rest: str = ""

    @classmethod
    def parse(cls, value: str | None) -> DataSource:
        """Parse the wire value; missing positions are blanks."""
        text = (value or "").ljust(5)
        return cls(
            mask_standard=text[0],
            position2=text[1],
            item_split=text[2],
            position4=text[3],
            smart_declaration=text[4],
            rest=text[5:],
        )

    def to_wire(self) -> str:
        """Return the wire value with trailing blanks removed."""
        text = (
            self.mask_standard + self.position2 + self.item_split + self.position4 + self.smart_declaration + self.rest
        )
        return text.rstrip()


class DeclarationMode(enum.Enum):
    """Position 3 of ``Type``: how the declaration was entered."""

    ONE_STEP = "0"
    """0 or blank: 一次录入 ordinary one-step entry."""
    TWO_STEP_SUMMARY = "5"
    """5: 新模式概要申报 two-step declaration, summary."""
    TWO_STEP_COMPLETE = "6"
    """6: 新模式完整申报 two-step declaration, complete."""


#: Known two-character prefixes of ``Type`` (positions 1-2) and their meaning.
TYPE_PREFIXES: dict[str, str] = {
    "": "一般报关单 ordinary declaration",
    "ML": "保税区进出境备案清单",
    "SD": "属地申报，口岸验放",
    "LY": "两单一审备案清单",
    "CL": "汇总征税报关单",
    "SS": "属地申报，属地验放",
    "SW": "税单无纸化",
    "SZ": "水运中转普通报关单",
    "SM": "水运中转保税区进出境备案清单",
    "SL": "水运中转保税区进出区备案清单",
    "MF": "公路舱单跨境快速通关报关单",
    "MK": "公路舱单跨境快速通关备案清单",
    "MT": "TIR 国际道路运输",
    "TT": "纳税期限",
    "IT": "分期纳税",
    "EX": "低值快速货物报关单",
    "EC": "低值快速货物备案清单",
    "MU": "多式联运",
    "AL": "极简备案清单",
    "BL": "次简备案清单",
    "H1": "海南 Hainan 1",
    "H2": "海南 Hainan 2",
    "ZB": "自报自缴",
    "ZY": "自报自缴",
    "ZC": "自报自缴",
    "ZW": "自报自缴",
    "ZF": "自报自缴",
    "ZX": "自报自缴",
}


@attrs.frozen
class DecType:
    """``Type`` 单据类型 (positional).

    Attributes:
        prefix: positions 1-2, ``""`` for an ordinary declaration (see :data:`TYPE_PREFIXES`).
        mode: position 3 (:class:`DeclarationMode`).
        middle: positions 4-6, kept verbatim.
        combined_port: position 7 is ``Z`` (组合港).
        rest: anything after position 7.
    """

    prefix: str = ""
    mode: DeclarationMode = DeclarationMode.ONE_STEP
    middle: str = ""
    combined_port: bool = False
    rest: str = ""

    @classmethod
    def parse(cls, value: str | None) -> DecType:
        """Parse the wire value (``"SW"``, ``"  5"``, ``""``).

        Raises:
            ConfigurationError: if position 3 is not blank, 0, 5 or 6.
        """
        text = value or ""
        mode_ch = text[2:3].strip() or "0"
        try:
            mode = DeclarationMode(mode_ch)
        except ValueError:
            raise ConfigurationError(f"Type position 3 is {mode_ch!r}; expected blank, 0, 5 or 6") from None
        return cls(
            prefix=text[:2].strip(),
            mode=mode,
            middle=text[3:6],
            combined_port=text[6:7] == "Z",
            rest=text[7:],
        )

    @property
    def description(self) -> str:
        """Meaning of the prefix (Chinese), or ``""`` when unknown."""
        return TYPE_PREFIXES.get(self.prefix, "")

    def to_wire(self) -> str:
        """Return the wire value with trailing blanks removed."""
        mode = "" if self.mode is DeclarationMode.ONE_STEP else self.mode.value
        text = self.prefix.ljust(2) + (mode or " ") + self.middle.ljust(3)
        if self.combined_port or self.rest:
            text += ("Z" if self.combined_port else " ") + self.rest
        return text.rstrip()


__all__ = [
    "TYPE_PREFIXES",
    "DataSource",
    "DecType",
    "DeclarationMode",
    "Level",
    "OperType",
    "PromiseItems",
    "SpecDeclFlag",
]
