"""``eport identity …``: 报关人员 binding (身份认证) and enterprise records (企业管理)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from eport.cli._util import print_records
from eport.cli.login import portal_command


def _declarant(record: Any, as_json: bool) -> None:
    if as_json:
        data = {
            "declarantNo": str(record.declarant_no),
            "name": record.name,
            "idType": record.id_type,
            "enterpriseCode": record.enterprise_code,
            "status": record.status.value,
            "binding": record.binding.value,
            "cardId": record.card_id or None,
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print_records(
        [
            {
                "报关人员编号": str(record.declarant_no),
                "name (姓名)": record.name,
                "ID type (证件类型)": record.id_type,
                "enterprise (所属企业)": record.enterprise_code,
                "status": record.status.value,
                "binding": record.binding.value,
                "card (卡号)": record.card_id or "",
            }
        ]
    )


@click.group(name="identity")
def group() -> None:
    """报关人员 binding to the operator card (身份认证) and enterprise records (企业管理).

    Binding requires that the card's identity (name, ID number) and enterprise match the 报关人员 record; a mismatch
    fails with IdentityMismatchError and binds nothing. Every command logs in with the card first.
    """


@group.command("show")
@click.argument("declarant_no")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def show_command(session: Callable[[], Any], declarant_no: str, as_json: bool) -> None:
    """Show a 报关人员 record and its binding (the ID number is not shown)."""
    from eport.services.identity import IdentityClient

    _declarant(IdentityClient(session()).get(declarant_no), as_json)


@group.command("bind")
@click.argument("declarant_no")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def bind_command(session: Callable[[], Any], declarant_no: str, as_json: bool) -> None:
    """Bind a 报关人员 to the card you log in with (报关人员信息绑定)."""
    from eport.services.identity import IdentityClient

    _declarant(IdentityClient(session()).bind(declarant_no), as_json)


@group.command("unbind")
@click.argument("declarant_no")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def unbind_command(session: Callable[[], Any], declarant_no: str, as_json: bool) -> None:
    """Unbind a 报关人员 from the card you log in with."""
    from eport.services.identity import IdentityClient

    _declarant(IdentityClient(session()).unbind(declarant_no), as_json)


@group.command("enterprise")
@click.argument("customs_code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def enterprise_command(session: Callable[[], Any], customs_code: str, as_json: bool) -> None:
    """Show an enterprise's 备案 record, credit level (five-level scheme) and annual report."""
    from eport.services.enterprise import EnterpriseClient

    record = EnterpriseClient(session()).get(customs_code)
    report = record.annual_report
    if as_json:
        data = {
            "customsCode": str(record.customs_code),
            "uscc": str(record.uscc),
            "name": record.name,
            "registeredCustoms": record.registered_customs,
            "filingState": record.filing_state.value,
            "creditLevel": record.credit_level.value,
            "creditLabel": record.credit_level.label,
            "isAeo": record.credit_level.is_aeo,
            "annualReport": {"year": report.year, "status": report.status.value} if report else None,
            "address": record.address or None,
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print_records(
        [
            {
                "海关编码": str(record.customs_code),
                "USCC (统一社会信用代码)": str(record.uscc),
                "name (企业名称)": record.name,
                "registered customs (注册海关)": record.registered_customs,
                "filing (备案)": record.filing_state.value,
                "credit (信用等级)": f"{record.credit_level.value} {record.credit_level.label}",
                "annual report (年报)": f"{report.year} {report.status.value}" if report else "",
            }
        ]
    )


__all__ = ["group"]
