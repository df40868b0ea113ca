"""Convenience properties mixed into the generated DecMessage and DecHead models (hand-written)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eport.edi.dec.flags import DataSource, DecType, Level, OperType, PromiseItems, SpecDeclFlag

if TYPE_CHECKING:
    from eport.edi.dec.models import DecHead, DecList, DecLists, DecSign


class _DecMessageMixin:
    __slots__ = ()

    if TYPE_CHECKING:
        dec_head: DecHead
        dec_lists: DecLists | None
        dec_sign: DecSign | None

    @property
    def items(self) -> tuple[DecList, ...]:
        """The goods items (``DecLists/DecList``), empty when there are none."""
        return self.dec_lists.dec_list if self.dec_lists is not None else ()

    @property
    def client_seq_no(self) -> str | None:
        """``DecSign/ClientSeqNo`` 客户端报关单编号, the correlation key of receipts (``None`` without DecSign)."""
        return None if self.dec_sign is None else self.dec_sign.client_seq_no

    @property
    def oper_type(self) -> OperType | None:
        """``DecSign/OperType`` as :class:`OperType`, ``None`` when absent or unknown."""
        raw = None if self.dec_sign is None else self.dec_sign.oper_type
        try:
            return OperType(raw) if raw else None
        except ValueError:
            return None

    @property
    def level(self) -> Level:
        """The required-field level that applies (from ``OperType``; SAVE when absent or unknown)."""
        op = self.oper_type
        return op.level if op is not None else Level.SAVE


class _DecHeadMixin:
    __slots__ = ()

    if TYPE_CHECKING:
        type_: str | None
        promise_itmes: str | None
        data_source: str | None
        spec_decl_flag: str | None

    @property
    def type_flags(self) -> DecType:
        """``Type`` 单据类型 parsed (raises :class:`eport.errors.ConfigurationError` if malformed)."""
        return DecType.parse(self.type_)

    @property
    def promises(self) -> PromiseItems:
        """``PromiseItmes`` 价格说明 parsed."""
        return PromiseItems.parse(self.promise_itmes)

    @property
    def data_source_flags(self) -> DataSource:
        """``DataSource`` 扩展字段 parsed."""
        return DataSource.parse(self.data_source)

    @property
    def special_flags(self) -> SpecDeclFlag:
        """``SpecDeclFlag`` 特种业务标识 parsed."""
        return SpecDeclFlag.parse(self.spec_decl_flag)
