"""Identifiers shared by the customs, refund and verification services, with real validation.

Each identifier is a ``str`` subclass: constructing one validates it, so a value of that type is always well formed,
and it still behaves as the plain string everywhere (JSON, DataFrames, SQL). Each class has a ``parse`` classmethod
that takes the field name to put in the error and, where the reference allows options, those options. Bad input
raises :class:`~eport.errors.IdentifierError` naming the field and the exact reason; messages never repeat a
personal identifier (resident ID) in full.

Rules (``REFUND_AND_VERIFICATION.md`` §1):

=====================  ==========================================================================================
class                  rule
=====================  ==========================================================================================
:class:`EntryId`       报关单号/海关编号: 18 = 4-digit 关区 + 4-digit year + I/E flag (``1`` import, ``0`` export;
                       ``I``/``E`` on 集中申报清单) + 9-digit serial. No check digit exists; the year must not be
                       later than the current year, and the flag may be checked against a direction.
:class:`RefundDeclNo`  退税申报用出口报关单号: 21 = entry id + ``0`` + 2-digit 项号 (item 1..99).
:class:`CusCiqNo`      统一编号 (SeqNo / cusCiqNo): one letter + 17 digits.
:class:`CustomsCode`   海关注册编码: ``^[0-9]{4}[0-9A-Z]{6}$``; real codes hold letters, no check digit.
:class:`Uscc`          统一社会信用代码, GB 32100-2015 mod-31 check character.
:class:`ResidentId`    居民身份证号, GB 11643 mod-11 check character (``X`` = 10) and a real birth date.
:class:`IcCardNo`      operator IC card number: 13 digits; a number not starting ``89`` only warns.
:class:`DeclarantNo`   申报人员证号 (``DecFreeTxt.DecNo``): opaque, 1–13 letters or digits.
:class:`VerificationFormNo`  核销单号: 1–32 letters or digits by default; ``strict_legacy=True`` demands 9 digits
                       (the 9-digit width is **unverified** folklore, hence an option).
:class:`CustomsDistrict`  关区 / 申报地海关: 4 digits.
=====================  ==========================================================================================

Example::

    >>> from eport.identifiers import EntryId, RefundDeclNo, Uscc
    >>> RefundDeclNo.of(EntryId("020220080525641690"), 1)
    '020220080525641690001'
    >>> Uscc("91350100M000100Y43").check_char
    '3'
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from typing import Literal, TypeVar

from eport.errors import IdentifierError

Direction = Literal["I", "E"]
"""Import (``I``, 进口) or export (``E``, 出口)."""

_T = TypeVar("_T", bound="_Identifier")

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100 (no I, O, S, V, Z)."""
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"

_ENTRY_ID = re.compile(r"(\d{4})(\d{4})([01IE])(\d{9})", re.ASCII)
_CUS_CIQ_NO = re.compile(r"[A-Z]\d{17}", re.ASCII)
_CUSTOMS_CODE = re.compile(r"[0-9]{4}[0-9A-Z]{6}", re.ASCII)
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", re.ASCII)
_RESIDENT_ID = re.compile(r"\d{17}[\dX]", re.ASCII)
_ALNUM = re.compile(r"[0-9A-Za-z]+", re.ASCII)


_CHINA = _dt.timezone(_dt.timedelta(hours=8))


def _china_year() -> int:
    """The current year in China (customs numbers entry ids by the China date: 1 January comes 8 h before UTC)."""
    return _dt.datetime.now(_CHINA).year


class UnusualIdentifierWarning(UserWarning):
    """An identifier is well formed but unusual (for example an IC card number not starting ``89``)."""


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise IdentifierError(field, f"must be a string, not {type(value).__name__}")
    return value


class _Identifier(str):
    """Base of the identifier types: a validated ``str``."""

    __slots__ = ()
    FIELD = "identifier"

    def __new__(cls: type[_T], value: str) -> _T:
        return cls.parse(value)

    @classmethod
    def parse(cls: type[_T], value: object, *, field: str | None = None) -> _T:
        """Validate ``value`` and return it typed; errors name ``field`` (default: the class's field name)."""
        text = _text(value, field or cls.FIELD)
        cls._check(text, field or cls.FIELD)
        return str.__new__(cls, text)

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


def _length(text: str, field: str, length: int, what: str) -> None:
    if len(text) != length:
        raise IdentifierError(field, f"{what} has {length} characters, got {len(text)}")


# ------------------------------------------------------------------------------------------------- entry id
class EntryId(_Identifier):
    """报关单号 / 海关编号 (entry id): 18 characters, e.g. ``020220080525641690``.

    Constructing one checks the structure and that the year is not after the current year. Use :meth:`parse`
    for a direction check or a fixed reference year.
    """

    __slots__ = ()
    FIELD = "entry_id"

    @classmethod
    def parse(
        cls,
        value: object,
        *,
        field: str | None = None,
        direction: Direction | None = None,
        max_year: int | None = None,
    ) -> EntryId:
        """Validate an entry id.

        Args:
            value: the 18 characters.
            field: the name to put in errors (default ``entry_id``).
            direction: ``"I"`` or ``"E"``: the I/E flag must agree (``1``/``I`` import, ``0``/``E`` export).
            max_year: the latest acceptable year of acceptance (default: the current year in China).

        Raises:
            eport.errors.IdentifierError: not 18 characters, a bad part, a future year or the wrong direction.
        """
        name = field or cls.FIELD
        text = _text(value, name)
        _length(text, name, 18, "an entry id (报关单号)")
        match = _ENTRY_ID.fullmatch(text)
        if match is None:
            if not text[:8].isdigit() or not text[:8].isascii():
                raise IdentifierError(name, "positions 1-8 (关区 + year) must be digits")
            if text[8] not in "01IE":
                raise IdentifierError(name, f"position 9 (I/E flag) must be 1, 0, I or E, got {text[8]!r}")
            raise IdentifierError(name, "positions 10-18 (serial) must be digits")
        year = int(match.group(2))
        limit = _china_year() if max_year is None else max_year
        if year > limit:
            raise IdentifierError(name, f"year {year} is after {limit}")
        if direction is not None:
            if direction not in ("I", "E"):
                raise IdentifierError("direction", f"must be 'I' or 'E', got {direction!r}")
            actual = "I" if match.group(3) in "1I" else "E"
            if actual != direction:
                raise IdentifierError(name, f"I/E flag {match.group(3)!r} marks {actual}, expected {direction}")
        return str.__new__(cls, text)

    @property
    def customs(self) -> str:
        """The 4-digit accepting customs (关区) code."""
        return self[:4]

    @property
    def year(self) -> int:
        """The year of acceptance."""
        return int(self[4:8])

    @property
    def ie_flag(self) -> str:
        """The raw I/E flag: ``1`` import, ``0`` export, ``I``/``E`` on 集中申报清单."""
        return self[8]

    @property
    def direction(self) -> Direction:
        """``"I"`` (import) or ``"E"`` (export)."""
        return "I" if self[8] in "1I" else "E"

    @property
    def serial(self) -> str:
        """The 9-digit serial."""
        return self[9:]


class RefundDeclNo(_Identifier):
    """退税申报用出口报关单号: 21 characters = entry id + 3-digit zero-padded item (1..99).

    Example: ``020220080525641690001`` is item 1 of entry ``020220080525641690``.
    """

    __slots__ = ()
    FIELD = "refund_decl_no"

    @classmethod
    def parse(cls, value: object, *, field: str | None = None, max_year: int | None = None) -> RefundDeclNo:
        """Validate a 21-character number; the first 18 must be a valid entry id.

        Raises:
            eport.errors.IdentifierError: the length, the entry-id part or the item is wrong.
        """
        name = field or cls.FIELD
        text = _text(value, name)
        _length(text, name, 21, "a refund declaration number (退税报关单号)")
        try:
            EntryId.parse(text[:18], field=name, max_year=max_year)
        except IdentifierError as exc:
            raise IdentifierError(name, f"first 18 characters are not an entry id: {exc.reason}") from exc
        cls._item(text[18:], name)
        return str.__new__(cls, text)

    @staticmethod
    def _item(tail: str, field: str) -> int:
        if not (tail.isascii() and tail.isdigit()):
            raise IdentifierError(field, f"item (项号, last 3 characters) must be digits, got {tail!r}")
        item = int(tail)
        if not 1 <= item <= 99:
            raise IdentifierError(field, f"item (项号) must be 001..099, got {tail}")
        return item

    @classmethod
    def of(cls, entry_id: str, item: int, *, field: str | None = None) -> RefundDeclNo:
        """The 21-character number of item ``item`` (1..99) of ``entry_id``.

        Raises:
            eport.errors.IdentifierError: a bad entry id or an item outside 1..99.
        """
        name = field or cls.FIELD
        entry = EntryId.parse(entry_id, field=name)
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 99:
            raise IdentifierError(name, f"item (项号) must be an integer 1..99, got {item!r}")
        return str.__new__(cls, f"{entry}{item:03d}")

    @property
    def entry_id(self) -> EntryId:
        """The 18-character entry id."""
        return str.__new__(EntryId, self[:18])

    @property
    def item(self) -> int:
        """The item number (项号), 1..99."""
        return int(self[18:])


# -------------------------------------------------------------------------------------------- other customs ids
class CusCiqNo(_Identifier):
    """统一编号 (``SeqNo`` / ``cusCiqNo``, data-centre number): one capital letter + 17 digits."""

    __slots__ = ()
    FIELD = "cus_ciq_no"

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        _length(text, field, 18, "a 统一编号")
        if not text[0].isascii() or not text[0].isupper():
            raise IdentifierError(field, f"position 1 must be a capital letter, got {text[0]!r}")
        if _CUS_CIQ_NO.fullmatch(text) is None:
            raise IdentifierError(field, "positions 2-18 must be digits")


class CustomsCode(_Identifier):
    """海关注册编码 (10): 4 digits (area) + 6 digits or capital letters; no check digit."""

    __slots__ = ()
    FIELD = "customs_code"

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        _length(text, field, 10, "a customs code (海关编码)")
        if _CUSTOMS_CODE.fullmatch(text) is None:
            if not (text[:4].isascii() and text[:4].isdigit()):
                raise IdentifierError(field, "positions 1-4 (area) must be digits")
            raise IdentifierError(field, "positions 5-10 must be digits or capital letters")


class CustomsDistrict(_Identifier):
    """关区 / 申报地海关 code: 4 digits (关区代码表)."""

    __slots__ = ()
    FIELD = "customs_district"

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        if len(text) != 4 or not (text.isascii() and text.isdigit()):
            raise IdentifierError(field, f"a 关区 code is 4 digits, got {len(text)} characters")


def uscc_check_char(body: str) -> str:
    """The GB 32100 check character of the first 17 characters of a USCC.

    Raises:
        eport.errors.IdentifierError: ``body`` is not 17 characters of the USCC alphabet.
    """
    if len(body) != 17 or any(c not in USCC_CHARSET for c in body):
        raise IdentifierError("uscc", "the first 17 characters must come from 0-9A-HJ-NPQRTUWXY")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


class Uscc(_Identifier):
    """统一社会信用代码 (USCC, GB 32100-2015): 18 characters with a mod-31 check character."""

    __slots__ = ()
    FIELD = "uscc"

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        _length(text, field, 18, "a USCC (统一社会信用代码)")
        if _USCC.fullmatch(text) is None:
            bad = next((c for c in text if c not in USCC_CHARSET), None)
            if bad is not None:
                raise IdentifierError(field, f"character {bad!r} is not in the USCC alphabet 0-9A-HJ-NPQRTUWXY")
            raise IdentifierError(field, "positions 3-8 (行政区划码) must be digits")
        expected = uscc_check_char(text[:17])
        if text[17] != expected:
            raise IdentifierError(field, f"check character is {text[17]!r}, the GB 32100 check gives {expected!r}")

    @property
    def check_char(self) -> str:
        """The 18th (check) character."""
        return self[17]


def resident_id_check_char(body: str) -> str:
    """The GB 11643 check character (``0``-``9`` or ``X``) of the first 17 digits of a resident ID.

    Raises:
        eport.errors.IdentifierError: ``body`` is not 17 digits.
    """
    if len(body) != 17 or not (body.isascii() and body.isdigit()):
        raise IdentifierError("resident_id", "the first 17 characters must be digits")
    return RESIDENT_ID_CHECK[sum(int(c) * w for c, w in zip(body, RESIDENT_ID_WEIGHTS, strict=True)) % 11]


class ResidentId(_Identifier):
    """居民身份证号 (GB 11643): 17 digits + check character (``X`` for 10); lower-case ``x`` is accepted.

    The repr masks all but the first 6 and last character, so logs do not carry the number.
    """

    __slots__ = ()
    FIELD = "resident_id"

    @classmethod
    def parse(cls, value: object, *, field: str | None = None) -> ResidentId:
        """Validate a resident ID number (upper-casing a trailing ``x``).

        Raises:
            eport.errors.IdentifierError: the length, the birth date or the check character is wrong.
        """
        name = field or cls.FIELD
        text = _text(value, name).upper()
        _length(text, name, 18, "a resident ID (居民身份证号)")
        if _RESIDENT_ID.fullmatch(text) is None:
            raise IdentifierError(name, "must be 17 digits followed by a digit or X")
        try:
            _dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        except ValueError as exc:
            raise IdentifierError(name, "positions 7-14 are not a valid birth date") from exc
        if text[17] != resident_id_check_char(text[:17]):
            raise IdentifierError(name, "the GB 11643 check character does not match")
        return str.__new__(cls, text)

    def __repr__(self) -> str:
        return f"ResidentId('{self[:6]}{'*' * 11}{self[17]}')"


class IcCardNo(_Identifier):
    """Operator IC card number (操作员卡号, ``ICCode``): 13 digits. Every known card starts ``89``; a number
    that does not is accepted with an :class:`UnusualIdentifierWarning`."""

    __slots__ = ()
    FIELD = "ic_card_no"

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        if len(text) != 13 or not (text.isascii() and text.isdigit()):
            raise IdentifierError(field, f"an IC card number is 13 digits, got {len(text)} characters")
        if not text.startswith("89"):
            warnings.warn(
                f"{field}: IC card number does not start with 89 (every known card does)",
                UnusualIdentifierWarning,
                stacklevel=4,
            )

    @property
    def standard(self) -> bool:
        """Whether the number starts ``89`` like every known card."""
        return self.startswith("89")


class DeclarantNo(_Identifier):
    """申报人员证号 (``DecFreeTxt.DecNo``, 报关员海关注册编码): opaque, 1–13 letters or digits."""

    __slots__ = ()
    FIELD = "declarant_no"

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        if not 1 <= len(text) <= 13:
            raise IdentifierError(field, f"申报人员证号 has 1-13 characters, got {len(text)}")
        if not text.isascii() or _ALNUM.fullmatch(text) is None:
            raise IdentifierError(field, "申报人员证号 holds only letters and digits")


class VerificationFormNo(_Identifier):
    """核销单号 (出口收汇核销单编号, legacy). Default: 1–32 letters or digits (``DecHead.ApprNo`` width).

    ``parse(value, strict_legacy=True)`` demands exactly 9 digits, the width often quoted but confirmed by no
    source (``REFUND_AND_VERIFICATION.md`` §9: unverified).
    """

    __slots__ = ()
    FIELD = "verification_form_no"

    @classmethod
    def parse(cls, value: object, *, field: str | None = None, strict_legacy: bool = False) -> VerificationFormNo:
        """Validate a 核销单号.

        Raises:
            eport.errors.IdentifierError: empty, too long, not alphanumeric, or (strict) not 9 digits.
        """
        name = field or cls.FIELD
        text = _text(value, name)
        if strict_legacy:
            if len(text) != 9 or not (text.isascii() and text.isdigit()):
                raise IdentifierError(name, "strict-legacy 核销单号 is 9 digits")
        elif not 1 <= len(text) <= 32 or not text.isascii() or _ALNUM.fullmatch(text) is None:
            raise IdentifierError(name, f"核销单号 is 1-32 letters or digits, got {len(text)} characters")
        return str.__new__(cls, text)


# ----------------------------------------------------------------------------------------- schema patterns
# Regular expressions (ECMA 262 and Python alike: explicit [0-9], anchored) that accept exactly the structure the
# classes above check, for OpenAPI / JSON Schema ``pattern`` keywords. A check character (USCC, resident ID) or a
# birth date cannot be said by a pattern: those classes check more than their pattern.
CUSTOMS_CODE_PATTERN = "^[0-9]{4}[0-9A-Z]{6}$"
""":class:`CustomsCode` (海关编码), exactly."""
CUSTOMS_DISTRICT_PATTERN = "^[0-9]{4}$"
""":class:`CustomsDistrict` (关区), exactly."""
CUS_CIQ_NO_PATTERN = "^[A-Z][0-9]{17}$"
""":class:`CusCiqNo` (统一编号), exactly."""
DECLARANT_NO_PATTERN = "^[0-9A-Za-z]{1,13}$"
""":class:`DeclarantNo` (申报人员证号), exactly."""
VERIFICATION_FORM_NO_PATTERN = "^[0-9A-Za-z]{1,32}$"
""":class:`VerificationFormNo` (核销单号, default rule), exactly."""
ENTRY_ID_PREFIX_PATTERN = "^[0-9]{0,8}$|^[0-9]{8}[01IE][0-9]{0,9}$"
"""A prefix (0 to 18 characters) of an :class:`EntryId`: digits, then the I/E flag, then digits."""
USCC_PATTERN = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
""":class:`Uscc` without its check character (which the class checks too)."""


def _not_after(limit: int, width: int) -> str:
    """A regex group for the ``width``-digit numbers from 0 up to ``limit``."""
    digits = f"{limit:0{width}d}"
    options = [digits]
    for position, digit in enumerate(digits):
        if digit != "0":
            rest = width - position - 1
            options.append(f"{digits[:position]}[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return f"(?:{'|'.join(options)})"


def entry_id_pattern(max_year: int | None = None) -> str:
    """The pattern of :class:`EntryId` with years up to ``max_year`` (default: the current year in China), exactly
    what ``EntryId.parse(value, max_year=max_year)`` accepts."""
    year = _not_after(_china_year() if max_year is None else max_year, 4)
    return f"^[0-9]{{4}}{year}[01IE][0-9]{{9}}$"


def refund_decl_no_pattern(max_year: int | None = None) -> str:
    """The pattern of :class:`RefundDeclNo` (entry id + items ``001``..``099``), exactly what it accepts."""
    return entry_id_pattern(max_year)[:-1] + "0(?:0[1-9]|[1-9][0-9])$"


__all__ = [
    "CUSTOMS_CODE_PATTERN",
    "CUSTOMS_DISTRICT_PATTERN",
    "CUS_CIQ_NO_PATTERN",
    "DECLARANT_NO_PATTERN",
    "ENTRY_ID_PREFIX_PATTERN",
    "RESIDENT_ID_CHECK",
    "RESIDENT_ID_WEIGHTS",
    "USCC_CHARSET",
    "USCC_PATTERN",
    "USCC_WEIGHTS",
    "VERIFICATION_FORM_NO_PATTERN",
    "CusCiqNo",
    "CustomsCode",
    "CustomsDistrict",
    "DeclarantNo",
    "Direction",
    "EntryId",
    "IcCardNo",
    "RefundDeclNo",
    "ResidentId",
    "UnusualIdentifierWarning",
    "Uscc",
    "VerificationFormNo",
    "entry_id_pattern",
    "refund_decl_no_pattern",
    "resident_id_check_char",
    "uscc_check_char",
]
