"""Export tax refund end to end against the sandbox running as a separate process.

Declarations released and closed by the sandbox → 结关信息查询 finds them → claim lines built → the self-check finds
the seeded problems (every doubt rule at least once, with its exact code, both in the sandbox and locally) →
a clean batch is declared → approved.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from eport.edi.dec import decode_declaration
from eport.errors import FieldError, IdentifierError, LegacyOperationError, PortalError
from eport.sandbox.refund import SANDBOX_RATES
from eport.services import ClearanceClient, Stage
from eport.services.portal import PortalSession
from eport.services.refund import (
    RULES,
    BatchState,
    ClaimLine,
    LegacyState,
    RefundClient,
    SelfCheckConfig,
    claim_lines,
    index_records,
    records_from_declaration,
    run_self_check,
    write_lines_csv,
)
from eport.services.refund import selfcheck as rules
from tests.sandbox import refund_messages as rm
from tests.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox
USCC = "91350100M000100Y43"  # the published GB 32100 sample


@attrs.frozen
class Released:
    """The declarations the sandbox released and closed for one enterprise."""

    trade_code: str
    entries: dict[str, str]  # name -> entry id
    messages: dict[str, bytes]
    histories: dict[str, list[Any]]


@pytest.fixture(scope="module")
def released(sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> Released:
    from eport.sandbox import DEMO_DXP_ID
    from eport.services import HttpTransport

    trade_code = f"4403R{uuid.uuid4().int % 10**5:05d}"
    g = rm.Goods
    plans = {
        "general": (dict(trade_mode="0110"), [g("8471300000", "笔记本电脑 laptop", Decimal("10"), Decimal("5000")),
                                              g("6109100010", "T恤 T-shirt", Decimal("200"), Decimal("7000"), "CNY"),
                                              g("9503008900", "玩具 toys", Decimal("50"), Decimal("800")),
                                              g("6403990000", "鞋 shoes", Decimal("30"), Decimal("900"))]),
        "processing": (dict(trade_mode="0214"), [g("8542399000", "集成电路 chips", Decimal("5"), Decimal("300"))]),
        "bonded": (dict(trade_mode="1233"), [g("3304990099", "面霜 cream", Decimal("8"), Decimal("160"))]),
        "cif": (dict(trade_mode="0110", trans_mode="1", fee=("3", Decimal("100"), "USD"),
                     insurance=("1", Decimal("0.3"), "USD")),
                [g("8516310000", "吹风机 hair dryer", Decimal("40"), Decimal("2000")),
                 g("8509409000", "搅拌机 blender", Decimal("20"), Decimal("1500")),
                 g("7323930000", "锅 pots", Decimal("60"), Decimal("1200"), destination="CHN")]),
    }  # fmt: skip
    messages = {name: rm.export_declaration(rm.client_seq_no(), trade_code, goods, **options)  # type: ignore[arg-type]
                for name, (options, goods) in plans.items()}  # fmt: skip
    with ClearanceClient(HttpTransport(sandbox.url, dxp_id=DEMO_DXP_ID),
                         tmp_path_factory.mktemp("refund") / "journal.db", sender_id=DEMO_DXP_ID,
                         poll_interval=0.02) as client:  # fmt: skip
        handles = {name: client.submit(data) for name, data in messages.items()}
        finals = {name: client.wait(handle, until=Stage.CLOSED, timeout=30) for name, handle in handles.items()}
    entries = {name: str(final.entry_id) for name, final in finals.items()}
    assert all(final.stage is Stage.CLOSED for final in finals.values())
    return Released(trade_code, entries, messages, {name: list(f.history) for name, f in finals.items()})


@pytest.fixture
def refund(sandbox: SandboxProcess) -> Iterator[RefundClient]:
    with RefundClient(sandbox.url, legacy=True) as client:
        yield client


def _no(entry: str, item: int) -> str:
    return f"{entry}{item:03d}"


def test_closed_declaration_query_finds_what_the_sandbox_released(released: Released, refund: RefundClient) -> None:
    rows = list(refund.closed_declarations(released.trade_code, page_size=2))  # paginated: 2 per page
    assert {str(r.entry_id) for r in rows} == set(released.entries.values())
    assert all(r.customs == "5300" and r.trade_code == released.trade_code for r in rows)
    assert {r.items for r in rows} == {4, 1, 3}
    general = released.entries["general"]
    assert [str(r.entry_id) for r in refund.closed_declarations(released.trade_code,
                                                                entry_id_prefix=general)] == [general]  # fmt: skip
    today = dt.date.today()
    assert list(refund.closed_declarations(released.trade_code, export_to=today - dt.timedelta(days=400))) == []
    frame = refund.closed_declarations_frame(released.trade_code)
    assert len(frame) == 4
    assert set(frame.columns) >= {"entry_id", "closed_on", "customs"}

    view = refund.declaration(general)
    assert view.head["entry_id"] == general
    assert view.head["trade_mode"] == "0110"
    assert [row["code_ts"] for row in view.body] == ["8471300000", "6109100010", "9503008900", "6403990000"]


def test_records_match_what_the_enterprise_rebuilds_from_its_own_data(released: Released, refund: RefundClient) -> None:
    served = {str(r.refund_decl_no): r for r in refund.records(released.trade_code, page_size=3)}
    assert len(served) == 9
    local = {}
    for name, data in released.messages.items():
        for record in records_from_declaration(decode_declaration(data), released.histories[name], rates=SANDBOX_RATES):
            local[str(record.refund_decl_no)] = record
    assert local.keys() == served.keys()
    for key, record in local.items():
        assert record.usd_fob == served[key].usd_fob, key
        assert record.code_ts == served[key].code_ts
    cif = released.entries["cif"]
    assert served[_no(cif, 1)].usd_fob < Decimal("2000")  # freight and insurance taken off
    assert served[_no(released.entries["general"], 2)].usd_fob == Decimal("980.00")  # 7000 CNY at 0.14
    assert refund.record(_no(released.entries["general"], 9)) is None  # no such item: 无电子信息


def test_legacy_submission_state_model_in_the_sandbox(released: Released, sandbox: SandboxProcess) -> None:
    with RefundClient(sandbox.url) as live, pytest.raises(LegacyOperationError, match="old E-Port"):
        live.submit_all(released.trade_code)
    with RefundClient(sandbox.url, legacy=True) as client:
        general, cif = released.entries["general"], released.entries["cif"]
        states = {str(r.entry_id): r.state for r in client.legacy_query(released.trade_code)}
        assert set(states.values()) == {LegacyState.AVAILABLE}
        assert client.select_submit(released.trade_code, [general]) == [general]
        only = list(client.legacy_query(released.trade_code, [("entryId", "=", general)]))
        assert [(str(r.entry_id), r.state) for r in only] == [(general, LegacyState.RECEIVED)]  # 已报送 → 已接收
        with pytest.raises(PortalError, match="已接收") as info:
            client.select_submit(released.trade_code, [general])
        assert (info.value.status, info.value.code) == (409, "state")
        submitted = client.submit_all(released.trade_code)
        assert general not in submitted
        assert cif in submitted
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()  # customs dates are China dates
        rows = list(client.legacy_query(released.trade_code, [("exportDate", "<=", today), ("entryId", "like",
                                                                                           cif[:10])]))  # fmt: skip
        assert all(r.state is LegacyState.RECEIVED for r in rows)
        assert cif in {str(r.entry_id) for r in rows}
        with pytest.raises(FieldError, match="conditions"):
            list(client.legacy_query(released.trade_code, [("goods", "=", "x")]))


def _seed(session: PortalSession, number: str, **flags: Any) -> None:
    session.request("PATCH", f"/api/v1/refund/sandbox/records/{number}", json=flags)


def test_self_check_finds_every_seeded_problem_then_a_clean_batch_is_approved(
    released: Released, refund: RefundClient, sandbox: SandboxProcess
) -> None:
    e = released.entries
    session = refund.session
    # tax-side data a real bureau holds, seeded through the sandbox controls
    _seed(session, _no(e["general"], 3), not_refundable=True)
    _seed(session, _no(e["general"], 4), return_purpose="3")
    _seed(session, _no(e["cif"], 1), return_purpose="2", amended=False)
    _seed(session, _no(e["cif"], 2), amendment_pending=True, departure_port=True, export_cancelled=True,
          departure_date="2020-01-01")  # fmt: skip
    _seed(session, _no(e["processing"], 1), claimed_qty="5", claimed_usd="300")
    session.request("PUT", f"/api/v1/refund/sandbox/enterprises/{released.trade_code}",
                    json={"enterpriseClass": "C", "consumptionCerts": ["XFS0001"]})  # fmt: skip
    records = {str(r.refund_decl_no): r for r in refund.records(released.trade_code)}
    whole = [attrs.evolve(r, claimed_qty=Decimal(0), claimed_usd=Decimal(0)) for r in records.values()]
    base = {line.refund_decl_no: line for line in claim_lines(whole, invoice_no="INV-1")}  # p1 is claimed in full

    def line(seq: int, number: str, **changes: Any) -> ClaimLine:
        return attrs.evolve(base[number], seq=seq, **changes)  # type: ignore[index]

    g1, g2, g3, g4 = (_no(e["general"], i) for i in (1, 2, 3, 4))
    c1, c2, c3 = (_no(e["cif"], i) for i in (1, 2, 3))
    p1, b1 = _no(e["processing"], 1), _no(e["bonded"], 1)
    lines = [
        line(1, g1),  # clean
        attrs.evolve(base[g1], seq=2, refund_decl_no=type(base[g1].refund_decl_no)(_no(e["general"], 9))),  # WDZXX
        line(3, g2, usd_fob=(base[g2].usd_fob * Decimal("1.10")).quantize(Decimal("0.01"))),  # USDLAJ_CY
        line(4, g3),  # BYTS
        line(5, g4),  # CD
        line(6, c1),  # GD
        line(7, c2, usd_fob=base[c2].usd_fob + 100, business_type="QYGTS"),  # USDLAJ_GD, QYGTS_CXCK, _QYLB, CKRQ
        line(8, c3, business_type="LMYCL"),  # clean: destination is China
        line(9, g1, code="9999999999", business_type="QYGTS"),  # LSSBJL (2nd claim), SPDM, QYGTS_FQYG, CKRQ, _QYLB
        line(10, p1, qty=Decimal("-5"), usd_fob=Decimal("-299"), business_type="HZCJ"),  # HZCJ_BYZ, MYXZ_BTS
        line(11, b1, business_type="LMYCL", consumption_tax_cert="XFS0002"),  # MYXZ_BCZ, LMYCL_ZZMDG, XFS
        line(12, p1, qty=records[p1].qty, usd_fob=records[p1].usd_fob),  # LSSBJL (claimed before), MYXZ_BTS
    ]
    expected = {
        2: {rules.WDZXX}, 3: {rules.USDLAJ_CY}, 4: {rules.BYTS}, 5: {rules.CD}, 6: {rules.GD},
        7: {rules.USDLAJ_GD, rules.QYGTS_CXCK, rules.QYGTS_QYLB, rules.CKRQ},
        9: {rules.LSSBJL, rules.SPDM, rules.QYGTS_FQYG, rules.QYGTS_QYLB, rules.CKRQ},
        10: {rules.HZCJ_BYZ, rules.MYXZ_BTS}, 11: {rules.MYXZ_BCZ, rules.LMYCL_ZZMDG, rules.XFS_WDZXX},
        12: {rules.LSSBJL, rules.MYXZ_BTS},
    }  # fmt: skip

    batch = refund.create_batch(trade_code=released.trade_code, taxpayer_id=USCC, period="202612", lines=lines)
    assert batch.state is BatchState.DRAFT
    checked = refund.self_check(batch.id)
    assert checked.state is BatchState.SELF_CHECKED
    found: dict[int, set[str]] = {}
    for doubt in checked.doubts:
        found.setdefault(doubt.line, set()).add(doubt.code)
        assert (doubt.level, doubt.passable) == RULES[doubt.code][:2]
    assert found == expected
    assert set().union(*found.values()) == set(RULES)  # every rule at least once, with its exact code

    # the local engine, fed with the same records and tax-side data, finds exactly the same doubts
    config = SelfCheckConfig(enterprise_class="C", consumption_certs=frozenset({"XFS0001"}))
    local = run_self_check(iter(lines), index_records(refund.records(released.trade_code)), config=config)
    assert sorted((d.line, d.code) for d in local.doubts) == sorted((d.line, d.code) for d in checked.doubts)
    assert local.lines == 12
    frame = local.to_frame()
    assert list(frame.columns) == ["line", "refund_decl_no", "code", "level", "pass_flag", "message"]
    assert (
        frame.loc[frame.code == rules.WDZXX, "message"].item().startswith(f"出口货物报关单号[{_no(e['general'], 9)}]")
    )

    with pytest.raises(PortalError) as info:
        refund.declare(batch.id)
    assert (info.value.status, info.value.code) == (409, "blocking_doubts")

    # a clean batch: the lines without doubts
    clean = [attrs.evolve(x, seq=i) for i, x in enumerate([lines[0], lines[7]], start=1)]
    good = refund.create_batch(trade_code=released.trade_code, taxpayer_id=USCC, period="202612", batch=2,
                               lines=clean)  # fmt: skip
    with pytest.raises(PortalError, match="self-check it first"):
        refund.declare(good.id)
    assert refund.self_check(good.id).doubts == ()
    declared = refund.declare(good.id)
    assert declared.state is BatchState.DECLARED
    assert declared.lcslid
    approved = refund.batch(good.id)
    assert approved.state is BatchState.APPROVED
    after = refund.record(g1)
    assert after is not None
    assert (after.claimed_qty, after.claimed_usd) == (base[g1].qty, base[g1].usd_fob)
    assert [b.state for b in refund.batches(released.trade_code)] == [BatchState.SELF_CHECKED, BatchState.APPROVED]
    # claiming it again is now a possible duplicate (passable)
    again = refund.create_batch(trade_code=released.trade_code, taxpayer_id=USCC, period="202612", batch=3,
                                lines=[lines[0]])  # fmt: skip
    assert [d.code for d in refund.self_check(again.id).doubts] == [rules.LSSBJL]


def test_bad_input_is_a_typed_error_naming_the_field_and_nothing_is_stored(
    released: Released, refund: RefundClient
) -> None:
    before = len(refund.batches(released.trade_code))
    good = {k: v for k, v in next(iter(claim_lines(refund.records(released.trade_code)))).to_json().items()}
    bad_item = dict(good, refund_decl_no=good["refund_decl_no"][:18] + "000")
    body = {"tradeCode": released.trade_code, "taxpayerId": USCC, "period": "202612", "lines": [good, bad_item]}
    with pytest.raises(PortalError) as info:  # refused by the service (the client refuses it locally already)
        refund.session.post_json("/api/v1/refund/batches", body)
    assert (info.value.status, info.value.code) == (400, "invalid")
    assert "lines[2].refund_decl_no" in str(info.value)
    raw = refund.session.request("POST", "/api/v1/refund/batches", json=body, check=False)
    assert raw.status == 400
    answer = raw.json()
    assert (answer["code"], answer["field"]) == ("invalid", "lines[2].refund_decl_no")
    assert "001..099, got 000" in answer["reason"]
    with pytest.raises(IdentifierError) as local:
        ClaimLine.from_row(bad_item, index=2)
    assert local.value.field == "lines[2].refund_decl_no"
    assert "001..099, got 000" in local.value.reason
    with pytest.raises(FieldError) as served:
        refund.create_batch(trade_code=released.trade_code, taxpayer_id=USCC, period="202613",
                            lines=[ClaimLine.from_row(good)])  # fmt: skip
    assert served.value.field == "period"  # the JSON field, refused by its declared pattern
    bad_entry = dict(good, refund_decl_no=good["refund_decl_no"][:8] + "7" + good["refund_decl_no"][9:])
    with pytest.raises(IdentifierError, match="position 9"):
        ClaimLine.from_row(bad_entry)
    assert len(refund.batches(released.trade_code)) == before


def test_client_refuses_what_would_be_misread_and_never_takes_a_wrong_url_for_no_record(
    released: Released, refund: RefundClient, sandbox: SandboxProcess
) -> None:
    general = released.entries["general"]
    assert refund.record(_no(general, 9)) is None  # the service's no_record: 无电子信息
    with RefundClient(sandbox.url + "/not-the-refund-service") as wrong:
        with pytest.raises(PortalError) as info:
            wrong.record(_no(general, 1))  # a 404 of no such route is an error, not "no customs record"
        assert info.value.status == 404
    with pytest.raises(IdentifierError) as customs:
        list(refund.closed_declarations(released.trade_code, customs="53"))
    assert customs.value.field == "customs"
    raw = refund.session.request("GET", "/api/v1/refund/closed-declarations", check=False,
                                 params={"tradeCode": released.trade_code, "customs": "53"})  # fmt: skip
    assert (raw.status, raw.json()["field"]) == (400, "customs")
    before = refund.record(_no(general, 1))
    flag = refund.session.request("PATCH", f"/api/v1/refund/sandbox/records/{_no(general, 1)}", check=False,
                                  json={"not_refundable": "no"})  # fmt: skip
    assert (flag.status, flag.json()["field"]) == (400, "not_refundable")
    assert refund.record(_no(general, 1)) == before  # nothing written on refusal
    for bad in ("", "../records/" + _no(general, 1), "a b"):
        with pytest.raises(FieldError) as batch:
            refund.batch(bad)
        assert batch.value.field == "batch_id"


def test_an_enterprise_cannot_claim_another_enterprises_declaration(released: Released, refund: RefundClient) -> None:
    other = f"4403S{uuid.uuid4().int % 10**5:05d}"  # an enterprise without declarations of its own
    record = next(iter(refund.records(released.trade_code)))
    (line,) = claim_lines([attrs.evolve(record, claimed_qty=Decimal(0), claimed_usd=Decimal(0))])
    batch = refund.create_batch(trade_code=other, taxpayer_id=USCC, period="202612", lines=[line])
    doubts = refund.self_check(batch.id).doubts
    assert [(d.code, d.passable) for d in doubts] == [(rules.WDZXX, False)]  # no customs data for *this* enterprise


def test_cli_query_export_and_check(released: Released, sandbox: SandboxProcess, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from eport.cli.main import cli

    runner = CliRunner()
    url = ["--url", sandbox.url, "--trade-code", released.trade_code]
    query = runner.invoke(cli, ["refund", "query", *url, "--json"])
    assert query.exit_code == 0, query.output
    assert {json.loads(line)["entryId"] for line in query.stdout.splitlines()} == set(released.entries.values())

    bonded = released.entries["bonded"]
    out = tmp_path / "forms"
    args = ["--taxpayer-id", USCC, "--taxpayer-name", "测试出口企业", "--period", "202612", "--entry-id", bonded]
    export = runner.invoke(cli, ["refund", "export", *url, *args, "--format", "csv", "--out", str(out)])
    assert export.exit_code == 0, export.output
    form = out / "202612-001-出口明细.csv"
    assert export.stdout.split() == [str(form)]

    check = runner.invoke(cli, ["refund", "check", str(form), *url, "--json"])
    assert check.exit_code == 1  # 监管方式 1233 has no refund type: a blocking doubt
    assert [json.loads(line)["code"] for line in check.stdout.splitlines()] == [rules.MYXZ_BCZ]
    assert check.stderr.strip().splitlines()[-1].startswith("error: BlockingDoubts: 1 blocking doubts")

    # offline: records from a JSON-lines file, and a refused form writes nothing
    records = tmp_path / "records.jsonl"
    with RefundClient(sandbox.url) as client:
        clean = [attrs.evolve(r, claimed_qty=Decimal(0), claimed_usd=Decimal(0))
                 for r in client.records(released.trade_code, entry_id=released.entries["cif"])
                 if r.item == 3]  # fmt: skip
    records.write_text("".join(json.dumps(r.to_json()) + "\n" for r in clean), encoding="utf-8")
    lines = write_lines_csv(tmp_path / "lines.csv", claim_lines(clean))
    offline = runner.invoke(cli, ["refund", "check", str(lines), "--records", str(records)])
    assert offline.exit_code == 0, offline.output
    assert "1 lines checked against 1 records: 0 doubts, 0 blocking" in offline.stdout
    refused = runner.invoke(cli, ["refund", "export", *url, "--taxpayer-id", USCC[:-1] + "4", "--taxpayer-name",
                                  "x", "--period", "202612", "--out", str(tmp_path / "none")])  # fmt: skip
    assert refused.exit_code == 1
    assert "error: IdentifierError: header.taxpayer_id: check character" in refused.stderr
    assert not (tmp_path / "none").exists()


def test_refund_state_survives_a_sandbox_restart(tmp_path: Path) -> None:
    from eport.sandbox import DEMO_DXP_ID
    from eport.services import HttpTransport

    process = SandboxProcess(tmp_path / "sandbox")
    trade_code = f"4403S{uuid.uuid4().int % 10**5:05d}"
    data = rm.export_declaration(rm.client_seq_no(), trade_code, [rm.Goods("8471300000", "a", Decimal(1), Decimal(9))])
    process.start()
    try:
        with ClearanceClient(HttpTransport(process.url, dxp_id=DEMO_DXP_ID), tmp_path / "journal.db",
                             sender_id=DEMO_DXP_ID, poll_interval=0.02) as client:  # fmt: skip
            entry = str(client.wait(client.submit(data), until=Stage.CLOSED, timeout=30).entry_id)
        with RefundClient(process.url, legacy=True) as refund:
            lines = claim_lines(refund.records(trade_code))
            batch = refund.self_check(refund.create_batch(trade_code=trade_code, taxpayer_id=USCC, period="202612",
                                                          lines=lines).id)  # fmt: skip
            refund.select_submit(trade_code, [entry])
    finally:
        process.stop()
    process.start()
    try:
        with RefundClient(process.url, legacy=True) as refund:
            assert [str(r.refund_decl_no) for r in refund.records(trade_code)] == [_no(entry, 1)]  # fed once
            assert [(b.id, b.state) for b in refund.batches(trade_code)] == [(batch.id, BatchState.SELF_CHECKED)]
            assert [r.state for r in refund.legacy_query(trade_code)] == [LegacyState.RECEIVED]
            assert refund.batch(refund.declare(batch.id).id).state is BatchState.APPROVED
    finally:
        process.stop()


def test_the_refund_api_is_in_the_sandbox_openapi_document(sandbox: SandboxProcess) -> None:
    paths: Any = sandbox.get("/openapi.json")["paths"]
    refund = {path for path in paths if path.startswith("/api/v1/refund/")}
    assert {"/api/v1/refund/closed-declarations", "/api/v1/refund/records/{refundDeclNo}", "/api/v1/refund/batches",
            "/api/v1/refund/batches/{batchId}/declare", "/api/v1/refund/legacy/submit"} <= refund  # fmt: skip
    assert {"400", "409"} <= set(paths["/api/v1/refund/batches/{batchId}/declare"]["post"]["responses"])
    bad = paths["/api/v1/refund/batches"]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
    document: Any = sandbox.get("/openapi.json")
    schema = document["components"]["schemas"][bad["$ref"].rsplit("/", 1)[-1]]
    assert {"error", "code", "field", "reason"} <= set(schema["properties"])


def test_a_batch_of_nothing_or_with_an_unread_field_is_refused(released: Released, refund: RefundClient) -> None:
    """A batch without lines is refused (client and service), and so is a line field the tax side does not know: it
    used to be dropped (``businessType`` for ``business_type``: the line's 启运港 rules were silently not run)."""
    before = len(refund.batches(released.trade_code))
    with pytest.raises(FieldError) as empty:
        refund.create_batch(trade_code=released.trade_code, taxpayer_id=USCC, period="202612", lines=[])
    assert (empty.value.field, empty.value.reason) == ("lines", "no export line to write")
    raw_empty = refund.session.request("POST", "/api/v1/refund/batches", check=False,
                                       json={"tradeCode": released.trade_code, "taxpayerId": USCC,
                                             "period": "202612", "lines": []})  # fmt: skip
    assert (raw_empty.status, raw_empty.json()["field"]) == (400, "lines")
    good = next(iter(claim_lines(refund.records(released.trade_code)))).to_json()
    body = {"tradeCode": released.trade_code, "taxpayerId": USCC, "period": "202612",
            "lines": [{**good, "businessType": "QYGTS"}]}  # fmt: skip
    raw = refund.session.request("POST", "/api/v1/refund/batches", json=body, check=False)
    assert raw.status == 400
    assert (raw.json()["code"], raw.json()["field"]) == ("invalid", "lines[1]")
    assert "'businessType'" in raw.json()["reason"]
    assert len(refund.batches(released.trade_code)) == before
