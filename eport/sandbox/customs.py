"""The simulated customs: what happens to a submission, decided once, as a timeline of planned receipts.

:func:`decide` is pure apart from reading the store (business records already accepted, buyer totals, registered
certificates). It returns a :class:`Decision` the scheduler records atomically, or ``None`` when an inventory must
wait for its order, payment and waybill (三单对碰 needs all three).

Timelines (``n`` = receipt number, due at ``first_delay + n * step_delay`` after processing):

* CEB order / payment / waybill: ``2`` 申报中 → ``120`` 海关入库 → ``399`` 海关审结.
* CEB import inventory: ``2`` → ``120`` → (``300`` 人工审核) → (``500`` 查验) → ``399`` → ``800`` 放行 →
  ``899`` 结关; or one negative code / ``100`` 海关退单 with the reason.
* Declarations: ``DecImportResponse`` then ``DEC_RESULT`` channels ``7`` → ``L`` → ``J`` → (``C`` 查验) → ``P`` →
  ``R``, or ``7`` → ``E`` 退单 (also when ``DecHead.ApprNo`` names a 核销单 the rules refuse: :mod:`.customs_forms`).
* Manifests: ``MT9999`` with StatementCode ``01`` → (``02`` 人工审核) → ``11`` 提运单放行, or ``03`` 退单.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from lxml import etree

from eport.edi.ceb.status import ReturnStatus
from eport.edi.dec import Channel
from eport.edi.dec.codec import decode_declaration
from eport.edi.manifest import StatementCode
from eport.errors import DecodeError, EdiError
from eport.sandbox.config import CEB_DXP_ID, DEC_DXP_ID, MFT_DXP_ID, SandboxConfig
from eport.sandbox.customs_forms import FORM_USE_EVENT, check_appr_no
from eport.sandbox.envelope import CEB_NS, DEC_NS, MANIFEST_NS_PREFIX, Envelope, parse_xml
from eport.sandbox.receipts import CEB_RECEIPT_FOR, CHINA
from eport.sandbox.schemas import schema_for, xsd_errors
from eport.sandbox.signature import check_signature
from eport.sandbox.store import DocumentWrite, PlannedEvent, Store
from eport.sandbox.verification_store import VerificationStore

logger = logging.getLogger(__name__)

#: CEB messages whose signature is mandatory (XSD 1..1).
SIGNED_CEB = frozenset({"CEB621Message", "CEB623Message", "CEB625Message", "CEB711Message"})

# The statuses the simulated customs writes, with their meanings, come from edi's classes (no second table).
_SAVED, _DECLARING, _ACCEPTED = ReturnStatus.SAVED, ReturnStatus.DECLARING, ReturnStatus.ACCEPTED
_REVIEW, _INSPECTION, _CONCLUDED = ReturnStatus.MANUAL_REVIEW, ReturnStatus.INSPECTION, ReturnStatus.CONCLUDED
_RELEASED, _CLOSED = ReturnStatus.RELEASED, ReturnStatus.CLOSED


@attrs.frozen(kw_only=True)
class Decision:
    """What customs does with one submission: planned receipts and business records to write."""

    state: str
    planned: tuple[PlannedEvent, ...]
    documents: tuple[DocumentWrite, ...] = ()
    buyer_amounts: tuple[tuple[str, int, Decimal], ...] = ()


class _Timeline:
    """Collects planned receipts with increasing due times."""

    def __init__(self, config: SandboxConfig, start: float) -> None:
        self._config = config
        self._start = start
        self.events: list[PlannedEvent] = []

    def add(self, payload: dict[str, Any]) -> None:
        n = len(self.events)
        due = self._start + self._config.first_delay + n * self._config.step_delay
        payload = {"copMsgId": str(uuid.uuid4()), **payload}
        self.events.append(PlannedEvent(due=due, kind="emit", payload=payload))


def _draw(config: SandboxConfig, key: str, what: str) -> float:
    """A deterministic number in [0, 1) for ``key``: the same message is always inspected, or never."""
    digest = hashlib.sha256(f"{config.seed}|{what}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _guid() -> str:
    return str(uuid.uuid4()).upper()


def _c(element: etree._Element, tag: str) -> str:
    return (element.findtext(f"{{{CEB_NS}}}{tag}") or "").strip()


def _money(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def _ceb900(timeline: _Timeline, envelope: Envelope, code: str, info: str) -> None:
    timeline.add(
        {
            "receipt": "ceb",
            "root": "CEB900Message",
            "entity": "MessageReturn",
            "guid": _guid(),
            "status": f"-{int(code)}",
            "fields": {
                "returnStatus": f"-{int(code)}",
                "returnInfo": f"{code} {info}"[:5000],
                "oriCopMsgId": envelope.cop_msg_id,
                "oriMessageType": envelope.business_root[:15] if envelope.business_root else "Unknown",
                "oriBizMessage": envelope.data.decode("utf-8", errors="replace"),
            },
            "sender": CEB_DXP_ID,
        }
    )


def decide(
    envelope: Envelope,
    *,
    store: Store,
    config: SandboxConfig,
    now: float,
    first_seen: float,
    forms: VerificationStore | None = None,
) -> Decision | None:
    """Decide what customs does with ``envelope``.

    Args:
        envelope: the submission.
        store: the sandbox state (read only here).
        config: delays, shares and limits.
        now: processing time (epoch seconds); receipts are planned from it.
        first_seen: when processing was first attempted (an inventory waits ``match_wait`` from then).
        forms: the 核销单 registry a declaration's ``ApprNo`` is checked against (read only here), or None.

    Returns:
        The decision, or None to retry later (an inventory whose order, payment or waybill has not arrived yet).
    """
    timeline = _Timeline(config, now)
    try:
        root = parse_xml(envelope.data)
    except DecodeError as exc:
        _ceb900(timeline, envelope, "0001", f"报文格式错误 message not well-formed: {exc}")
        return Decision(state="-1", planned=tuple(timeline.events))
    namespace = etree.QName(root).namespace or ""
    name = etree.QName(root).localname
    if namespace == CEB_NS:
        return _decide_ceb(envelope, root, name, timeline, store=store, config=config, now=now, first_seen=first_seen)
    if namespace == DEC_NS and name == "DecMessage":
        return _decide_dec(envelope, root, timeline, store=store, config=config, forms=forms)
    if namespace.startswith(MANIFEST_NS_PREFIX) and name == "Manifest":
        return _decide_manifest(envelope, root, timeline, store=store, config=config)
    _ceb900(timeline, envelope, "2999", f"其他业务逻辑错误 unknown business message {name!r} ({namespace})")
    return Decision(state="-2999", planned=tuple(timeline.events))


# --------------------------------------------------------------------------------------------------- CEB
def _decide_ceb(
    envelope: Envelope,
    root: etree._Element,
    name: str,
    timeline: _Timeline,
    *,
    store: Store,
    config: SandboxConfig,
    now: float,
    first_seen: float,
) -> Decision | None:
    schema = schema_for(name)
    errors = xsd_errors(root, schema) if schema else [f"no schema declares {name}"]
    if errors:
        _ceb900(timeline, envelope, "0002", "数据包不能通过schema验证 schema validation failed: " + "; ".join(errors))
        return Decision(state="-2", planned=tuple(timeline.events))
    has_signature = root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None
    if config.require_signature and (has_signature or name in SIGNED_CEB):
        check = check_signature(envelope.data, root, is_registered=store.has_certificate)
        if not check.ok:
            code = check.code or "1001"
            if name == "CEB621Message":
                for inventory in root.iterfind(f"{{{CEB_NS}}}Inventory"):
                    head = inventory.find(f"{{{CEB_NS}}}InventoryHead")
                    if head is not None:
                        _inventory_receipt(timeline, head, "-621029", f"验签失败！ ({code} {check.reason})")
                return Decision(state="-621029", planned=tuple(timeline.events))
            title = "数字签名无效" if code == "1001" else "签名与数据不符"
            _ceb900(timeline, envelope, code, f"{title}: {check.reason}")
            return Decision(state=f"-{int(code)}", planned=tuple(timeline.events))
    if name not in CEB_RECEIPT_FOR:
        _ceb900(timeline, envelope, "2999", f"其他业务逻辑错误 the sandbox does not simulate {name}")
        return Decision(state="-2999", planned=tuple(timeline.events))
    if name == "CEB621Message":
        return _decide_inventory(root, timeline, store=store, config=config, now=now, first_seen=first_seen)
    return _decide_simple(name, root, timeline, store=store)


_SIMPLE = {
    # root: (body, head, kind, key fields, identity fields for the receipt, duplicate code, text)
    "CEB311Message": ("Order", "OrderHead", "order", ("ebpCode", "orderNo"), ("ebpCode", "ebcCode", "orderNo"),
                      "-301010", "已存在相同编号的订单"),
    "CEB411Message": ("Payment", "PaymentHead", "payment", ("payCode", "payTransactionId"),
                      ("payCode", "payTransactionId"), "-401007", "已存在相同编号的支付单"),
    "CEB511Message": ("Logistics", "LogisticsHead", "logistics", ("logisticsCode", "logisticsNo"),
                      ("logisticsCode", "logisticsNo"), "-504015", "已存在相同编号的运单"),
}  # fmt: skip
_NOT_FOUND = {"order": "-301009", "payment": "-401006", "logistics": "-504014"}
_STALE = {"order": "-301014", "payment": "-401012", "logistics": "-505016"}


def _simple_fields(kind: str, head: etree._Element, body: etree._Element) -> dict[str, Any]:
    fields: dict[str, Any] = {
        child.tag.split("}")[-1]: (child.text or "").strip() for child in head if isinstance(child.tag, str)
    }
    if kind == "order":
        fields["items"] = {_c(item, "gnum"): _c(item, "totalPrice") for item in body.iterfind(f"{{{CEB_NS}}}OrderList")}
    return fields


def _decide_simple(name: str, root: etree._Element, timeline: _Timeline, *, store: Store) -> Decision:
    body_tag, head_tag, kind, key_fields, id_fields, dup_code, dup_text = _SIMPLE[name]
    receipt_root, entity = CEB_RECEIPT_FOR[name]
    documents: list[DocumentWrite] = []
    states: list[str] = []
    for body in root.iterfind(f"{{{CEB_NS}}}{body_tag}"):
        head = body.find(f"{{{CEB_NS}}}{head_tag}")
        if head is None:  # pragma: no cover - the XSD requires it
            continue
        key = "|".join(_c(head, f) for f in key_fields)
        ident = {f: _c(head, f) for f in id_fields}
        app_type, app_status, app_time = _c(head, "appType"), _c(head, "appStatus"), _c(head, "appTime")
        existing = store.document(kind, key)
        business_key = ident[key_fields[-1]]

        def plan(status: str, info: str, _ident: dict[str, str] = ident, _key: str = business_key) -> None:
            timeline.add(
                {
                    "receipt": "ceb",
                    "root": receipt_root,
                    "entity": entity,
                    "guid": _guid(),
                    "status": status,
                    "fields": {**_ident, "returnStatus": status, "returnInfo": info},
                    "sender": CEB_DXP_ID,
                    "bizKey": _key,
                }
            )

        if app_type == "1" and existing is not None:
            plan(dup_code, f"{dup_text} [{business_key}]")
            states.append(dup_code)
            continue
        if app_type in {"2", "3"} and existing is None:
            plan(_NOT_FOUND[kind], f"appType {app_type}: 未找到对应操作的单据 [{business_key}] not found")
            states.append(_NOT_FOUND[kind])
            continue
        if app_type == "2" and existing is not None and app_time <= existing[1]:
            plan(_STALE[kind], f"接收报文为旧报文数据，不做处理 [{business_key}] (appTime {app_time})")
            states.append(_STALE[kind])
            continue
        if app_type == "3" and existing is not None:
            documents.append(DocumentWrite(kind=kind, key=key, app_time=app_time, fields=None))
            if kind == "payment":
                paid_for = f"{existing[2].get('ebpCode', '')}|{existing[2].get('orderNo', '')}"
                documents.append(DocumentWrite(kind="payment_by_order", key=paid_for, app_time=app_time, fields=None))
            plan("2", f"删除申报成功 [{business_key}] deleted")
            states.append("2")
            continue
        if app_status == "1":
            plan(_SAVED.value, f"{_SAVED.meaning} [{business_key}]")
            states.append("1")
            continue
        fields = _simple_fields(kind, head, body)
        documents.append(DocumentWrite(kind=kind, key=key, app_time=app_time, fields=fields))
        if kind == "payment":
            order_key = f"{_c(head, 'ebpCode')}|{_c(head, 'orderNo')}"
            documents.append(DocumentWrite(kind="payment_by_order", key=order_key, app_time=app_time, fields=fields))
        verb = "新增" if app_type == "1" else "变更"
        plan(_DECLARING.value, f"{verb}申报成功 [{business_key}] {_DECLARING.meaning}")
        plan(_ACCEPTED.value, f"{_ACCEPTED.meaning} [{business_key}]")
        plan(_CONCLUDED.value, f"{_CONCLUDED.meaning} [{business_key}]")
        states.append("399")
    return Decision(state=states[-1] if states else "2", planned=tuple(timeline.events), documents=tuple(documents))


def _inventory_receipt(
    timeline: _Timeline, head: etree._Element, status: str, info: str, pre_no: str = "", invt_no: str = ""
) -> None:
    timeline.add(
        {
            "receipt": "ceb",
            "root": "CEB622Message",
            "entity": "InventoryReturn",
            "guid": _guid(),
            "status": status,
            "fields": {
                "customsCode": _c(head, "customsCode") or None,
                "ebpCode": _c(head, "ebpCode") or None,
                "ebcCode": _c(head, "ebcCode") or None,
                "agentCode": _c(head, "agentCode") or None,
                "copNo": _c(head, "copNo") or _c(head, "orderNo")[:20],
                "preNo": pre_no or _c(head, "preNo") or "B00000000000000000",
                "invtNo": invt_no or None,
                "returnStatus": status,
                "returnInfo": info[:1000],
            },
            "sender": CEB_DXP_ID,
            "bizKey": _c(head, "copNo") or _c(head, "orderNo"),
        }
    )


def _three_way_match(head: etree._Element, body: etree._Element, store: Store) -> tuple[list[str], list[str]]:
    """三单对碰: compare the inventory with its order, payment and waybill. Returns (missing, mismatches)."""
    ebp, order_no = _c(head, "ebpCode"), _c(head, "orderNo")
    order = store.document("order", f"{ebp}|{order_no}")
    payment = store.document("payment_by_order", f"{ebp}|{order_no}")
    waybill = store.document("logistics", f"{_c(head, 'logisticsCode')}|{_c(head, 'logisticsNo')}")
    missing = [
        what
        for what, doc in (("order 订单", order), ("payment 支付单", payment), ("waybill 运单", waybill))
        if doc is None
    ]
    problems: list[str] = []
    buyer = _c(head, "buyerIdNumber")
    goods = sum((_money(_c(item, "totalPrice")) for item in body.iterfind(f"{{{CEB_NS}}}InventoryList")), Decimal(0))
    if order is not None:
        o = order[2]
        if o.get("buyerIdNumber") != buyer:
            problems.append("buyerIdNumber differs from the order (订购人证件号码不一致)")
        if o.get("ebcCode") != _c(head, "ebcCode"):
            problems.append("ebcCode differs from the order (电商企业不一致)")
        if _money(o.get("goodsValue", "")) != goods:
            problems.append(
                f"goods total {goods} differs from the order goodsValue {o.get('goodsValue')} (商品金额不一致)"
            )
        items = o.get("items", {})
        for item in body.iterfind(f"{{{CEB_NS}}}InventoryList"):
            gnum = _c(item, "gnum")
            if gnum not in items:
                problems.append(f"inventory line {gnum} is not in the order (表体序号不一致)")
            elif _money(items[gnum]) != _money(_c(item, "totalPrice")):
                problems.append(f"line {gnum} totalPrice differs from the order (商品总价不一致)")
    if payment is not None:
        p = payment[2]
        if p.get("payerIdNumber") != buyer:
            problems.append("payer differs from the buyer (支付人与订购人不一致)")
        if order is not None and _money(p.get("amountPaid", "")) != _money(order[2].get("acturalPaid", "")):
            problems.append("amountPaid differs from the order acturalPaid (支付金额与订单实付金额不一致)")
    if waybill is not None and waybill[2].get("orderNo") != order_no:
        problems.append("the waybill belongs to another order (运单订单编号不一致)")
    return missing, problems


#: Document kinds of an inventory's other duplicate keys, with the names a refusal gives them.
INVENTORY_KEY_NAMES = {"inventory_cop_no": "agentCode+copNo 企业唯一编号", "inventory_guid": "guid"}


def _inventory_aliases(head: etree._Element) -> list[tuple[str, str]]:
    """An inventory's duplicate keys besides ebpCode + orderNo, as (document kind, key)."""
    aliases = []
    if cop_no := _c(head, "copNo"):
        aliases.append(("inventory_cop_no", f"{_c(head, 'agentCode')}|{cop_no}"))
    if guid := _c(head, "guid"):
        aliases.append(("inventory_guid", guid.upper()))
    return aliases


def _decide_inventory(
    root: etree._Element,
    timeline: _Timeline,
    *,
    store: Store,
    config: SandboxConfig,
    now: float,
    first_seen: float,
) -> Decision | None:
    documents: list[DocumentWrite] = []
    amounts: list[tuple[str, int, Decimal]] = []
    pending_totals: dict[tuple[str, int], Decimal] = {}
    state = "2"
    inventories = [(inv, inv.find(f"{{{CEB_NS}}}InventoryHead")) for inv in root.iterfind(f"{{{CEB_NS}}}Inventory")]
    for body, head in inventories:
        if head is None:  # pragma: no cover - the XSD requires it
            continue
        if _c(head, "appStatus") == "2" and _c(head, "appType") == "1":
            missing, _ = _three_way_match(head, body, store)
            if missing and now - first_seen < config.match_wait:
                return None
    year = dt.datetime.fromtimestamp(now, CHINA).year
    for body, head in inventories:
        if head is None:  # pragma: no cover
            continue
        key = f"{_c(head, 'ebpCode')}|{_c(head, 'orderNo')}"
        app_type, app_status = _c(head, "appType"), _c(head, "appStatus")
        existing = store.document("inventory", key)
        order_no = _c(head, "orderNo")
        # The duplicate keys of an inventory: one per order (ebpCode + orderNo), its 企业唯一编号 (agentCode +
        # copNo), and its guid, each unique among declared inventories (-621004 清单已经申报过).
        aliases = _inventory_aliases(head)
        reused = [kind for kind, alias in aliases if store.document(kind, alias) is not None]
        if app_type == "1" and (existing is not None or reused):
            why = "" if existing is not None else f" ({', '.join(INVENTORY_KEY_NAMES[k] for k in reused)} reused)"
            _inventory_receipt(timeline, head, "-621004", f"清单[{order_no}]已经申报过，请勿重复申报{why}")
            state = "-621004"
            continue
        if app_type in {"2", "3"} and existing is None:
            _inventory_receipt(timeline, head, "-621011", f"不存在已申报的清单[{order_no}]，无法进行改单操作")
            state = "-621011"
            continue
        if app_status == "1":
            _inventory_receipt(timeline, head, _SAVED.value, _SAVED.meaning)
            state = "1"
            continue
        if app_type == "3":
            documents.append(DocumentWrite(kind="inventory", key=key, app_time=_c(head, "appTime"), fields=None))
            for kind, alias in existing[2].get("aliases", []) if existing is not None else ():
                documents.append(DocumentWrite(kind=kind, key=alias, app_time=_c(head, "appTime"), fields=None))
            _inventory_receipt(timeline, head, "2", "删除申报成功 deleted")
            state = "2"
            continue
        missing, problems = _three_way_match(head, body, store)
        if missing or problems:
            reasons = [f"missing {m} (未找到)" for m in missing] + problems
            _inventory_receipt(
                timeline, head, "100", "海关退单 三单对碰失败 order/payment/waybill mismatch: " + "; ".join(reasons)
            )
            state = "100"
            continue
        goods = sum(
            (_money(_c(item, "totalPrice")) for item in body.iterfind(f"{{{CEB_NS}}}InventoryList")), Decimal(0)
        )
        amount = goods + _money(_c(head, "freight")) + _money(_c(head, "insuredFee"))
        buyer = _c(head, "buyerIdNumber")
        if amount > config.single_limit:
            _inventory_receipt(
                timeline, head, "-621005", f"清单[{order_no}]的购买金额超过单笔限额[{config.single_limit}] ({amount})"
            )
            state = "-621005"
            continue
        used = store.buyer_total(buyer, year) + pending_totals.get((buyer, year), Decimal(0))
        if used + amount > config.annual_limit:
            _inventory_receipt(
                timeline,
                head,
                "-621018",
                f"清单[{order_no}]中购买人[{buyer[:4]}****]已用购买额度为[{used}]，本次购买将超过年度限额"
                f"[{config.annual_limit}]",
            )
            state = "-621018"
            continue
        pending_totals[(buyer, year)] = pending_totals.get((buyer, year), Decimal(0)) + amount
        amounts.append((buyer, year, amount))
        number = store.next_number("inventory")
        local = dt.datetime.fromtimestamp(now, CHINA)
        pre_no = f"B{local:%Y%m%d}{number:09d}"
        customs = (_c(head, "customsCode") or "0000")[:4]
        invt_no = f"{customs}{local:%Y}I{number:09d}"
        documents.append(
            DocumentWrite(
                kind="inventory",
                key=key,
                app_time=_c(head, "appTime"),
                fields={"preNo": pre_no, "invtNo": invt_no, "amount": str(amount), "aliases": aliases},
            )
        )
        documents.extend(
            DocumentWrite(kind=kind, key=alias, app_time=_c(head, "appTime"), fields={"inventory": key})
            for kind, alias in aliases
        )
        _inventory_receipt(timeline, head, _DECLARING.value, _DECLARING.meaning, pre_no)
        _inventory_receipt(timeline, head, _ACCEPTED.value, _ACCEPTED.meaning, pre_no, invt_no)
        if _draw(config, key, "review") < config.manual_review_share:
            _inventory_receipt(timeline, head, _REVIEW.value, _REVIEW.meaning, pre_no, invt_no)
        if _draw(config, key, "inspection") < config.inspection_share:
            _inventory_receipt(timeline, head, _INSPECTION.value, _INSPECTION.meaning, pre_no, invt_no)
        _inventory_receipt(timeline, head, _CONCLUDED.value, _CONCLUDED.meaning, pre_no, invt_no)
        _inventory_receipt(timeline, head, _RELEASED.value, _RELEASED.meaning, pre_no, invt_no)
        _inventory_receipt(timeline, head, _CLOSED.value, _CLOSED.meaning, pre_no, invt_no)
        state = _CLOSED.value
    return Decision(
        state=state, planned=tuple(timeline.events), documents=tuple(documents), buyer_amounts=tuple(amounts)
    )


# --------------------------------------------------------------------------------------------------- DEC
def _d(element: etree._Element, path: str) -> str:
    steps = "/".join(f"{{{DEC_NS}}}{step}" for step in path.split("/"))
    return (element.findtext(steps) or "").strip()


def _decide_dec(
    envelope: Envelope,
    root: etree._Element,
    timeline: _Timeline,
    *,
    store: Store,
    config: SandboxConfig,
    forms: VerificationStore | None,
) -> Decision:
    client_seq_no = _d(root, "DecSign/ClientSeqNo")

    def import_response(code: str, message: str, seq_no: str = "") -> None:
        timeline.add(
            {
                "receipt": "dec_import",
                "status": "0" if code == "0" else code,
                "responseCode": code,
                "message": message,
                "clientSeqNo": client_seq_no,
                "seqNo": seq_no,
                "sender": DEC_DXP_ID,
                "bizKey": client_seq_no,
            }
        )

    if not client_seq_no:
        import_response("1", "DecSign/ClientSeqNo 缺失 missing ClientSeqNo")
        return Decision(state="1", planned=tuple(timeline.events))
    try:
        decode_declaration(envelope.data)  # the structure the import client accepts (strict element order)
    except EdiError as exc:
        import_response("1", f"报文格式错误 format error: {exc}"[:500])
        return Decision(state="1", planned=tuple(timeline.events))
    if store.document("dec", client_seq_no) is not None:
        import_response("1", f"ClientSeqNo [{client_seq_no}] 重复 duplicate (already imported)")
        return Decision(state="1", planned=tuple(timeline.events))
    if config.require_signature and root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None:
        check = check_signature(envelope.data, root, is_registered=store.has_certificate)
        if not check.ok:
            import_response(check.code or "1001", f"数字签名无效 invalid signature: {check.reason}")
            return Decision(state=check.code or "1001", planned=tuple(timeline.events))
    ie_flag = _d(root, "DecHead/IEFlag") or "I"
    customs = (_d(root, "DecHead/CustomMaster") or _d(root, "DecHead/IEPort") or "5300")[:4]
    number = store.next_number("dec")
    local = dt.datetime.now(CHINA)
    seq_no = f"{ie_flag[:1]}{local:%Y}{number:013d}"
    entry_id = f"{customs}{local:%Y}{1 if ie_flag.startswith('I') else 0}{number:09d}"
    documents = (DocumentWrite(kind="dec", key=client_seq_no, app_time="", fields={"seqNo": seq_no}),)
    import_response("0", "调用成功 imported", seq_no)

    def result(channel: str, note: str, entry: str = "", dated: bool = False) -> None:
        timeline.add(
            {
                "receipt": "dec_result",
                "status": channel,
                "channel": channel,
                "note": note,
                "seqNo": seq_no,
                "entryId": entry,
                "customsMaster": customs,
                "dated": dated,
                "sender": DEC_DXP_ID,
                "bizKey": client_seq_no,
            }
        )

    result("7", f"{seq_no}直接申报成功 declared")
    problems = []
    if root.find(f"{{{DEC_NS}}}DecHead") is None:
        problems.append("DecHead missing")
    if not list(root.iterfind(f"{{{DEC_NS}}}DecLists/{{{DEC_NS}}}DecList")):
        problems.append("no goods (DecLists/DecList)")
    form = check_appr_no(root, forms, entry_id=entry_id, today=local.date()) if not problems else None
    if form is not None and form.refusal is not None:
        problems.append(form.refusal)
    if problems:
        result(Channel.REJECTED.value, f"{Channel.REJECTED.meaning}: " + "; ".join(problems))
        return Decision(state=Channel.REJECTED.value, planned=tuple(timeline.events), documents=documents)
    result(Channel.ENTERED.value, Channel.ENTERED.meaning)
    accepted = len(timeline.events) - 1
    result(Channel.PAPERLESS_CONCLUDED.value, Channel.PAPERLESS_CONCLUDED.meaning, entry_id, True)
    if _draw(config, client_seq_no, "inspection") < config.inspection_share:
        result(Channel.INSPECTION_NOTICE.value, Channel.INSPECTION_NOTICE.meaning, entry_id, True)
    result(Channel.RELEASED.value, Channel.RELEASED.meaning, entry_id, True)
    result(Channel.CLOSED.value, Channel.CLOSED.meaning, entry_id, True)
    planned = list(timeline.events)
    if form is not None and form.payload is not None:  # the form is USED on acceptance: same due as L, run first
        planned.insert(accepted, PlannedEvent(due=planned[accepted].due, kind=FORM_USE_EVENT, payload=form.payload))
    return Decision(state=Channel.CLOSED.value, planned=tuple(planned), documents=documents)


# --------------------------------------------------------------------------------------------------- manifests
def _decide_manifest(
    envelope: Envelope, root: etree._Element, timeline: _Timeline, *, store: Store, config: SandboxConfig
) -> Decision:
    ns = etree.QName(root).namespace or ""

    def find(element: etree._Element, path: str) -> str:
        steps = "/".join(f"{{{ns}}}{step}" for step in path.split("/"))
        return (element.findtext(steps) or "").strip()

    message_id = find(root, "Head/MessageID")
    sender = find(root, "Head/SenderID")
    declaration = root.find(f"{{{ns}}}Declaration")
    bills = (
        [
            find(c, "TransportContractDocument/ID")
            for c in declaration.iterfind(f"{{{ns}}}Consignment")
            if find(c, "TransportContractDocument/ID")
        ]
        if declaration is not None
        else []
    )
    journey = find(declaration, "BorderTransportMeans/JourneyID") if declaration is not None else ""
    means = find(declaration, "BorderTransportMeans/ID") if declaration is not None else ""

    def respond(code: str, statement: str) -> None:
        timeline.add(
            {
                "receipt": "mt9999",
                "status": code,
                "statementCode": code,
                "statement": statement,
                "messageId": f"CN_MT9999_1p0_EPORT_{uuid.uuid4().hex[:17]}",
                "receiverId": sender or envelope.sender_id,
                "journeyId": journey,
                "transportId": means,
                "bills": bills,
                "sender": MFT_DXP_ID,
                "bizKey": message_id,
            }
        )

    problems = []
    if not message_id:
        problems.append("Head/MessageID missing")
    if declaration is None:
        problems.append("Declaration missing")
    elif not bills:
        problems.append("no Consignment/TransportContractDocument/ID (提运单号)")
    if message_id and store.document("manifest", message_id) is not None:
        problems.append(f"MessageID {message_id} already received (重复)")
    if problems:
        respond(StatementCode.REJECTED.value, f"{StatementCode.REJECTED.meaning}: " + "; ".join(problems))
        return Decision(state=StatementCode.REJECTED.value, planned=tuple(timeline.events))
    documents = (DocumentWrite(kind="manifest", key=message_id, app_time="", fields={"bills": bills}),)
    respond(StatementCode.ACCEPTED.value, StatementCode.ACCEPTED.meaning)
    if _draw(config, message_id, "review") < config.manual_review_share:
        respond(StatementCode.MANUAL_REVIEW.value, StatementCode.MANUAL_REVIEW.meaning)
    respond(StatementCode.RELEASED.value, StatementCode.RELEASED.meaning)
    return Decision(state=StatementCode.RELEASED.value, planned=tuple(timeline.events), documents=documents)


__all__ = ["Decision", "decide"]
