"""``eport card doctor``: step-by-step diagnosis of reader and card, with the E-Port manuals' FAQ answers.

The checks run in order and stop at the first failure (later steps are reported as skipped):

1. PC/SC service reachable (智能卡服务)
2. readers present (读卡器)
3. card present (操作员卡)
4. ATR and protocol
5. E-Port application selectable
6. signing certificate readable, within its validity dates
7. PIN tries left (without spending one)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Literal

import attrs

from eport.card import pcsc
from eport.card.base import certificate_validity
from eport.card.operator import OperatorCard
from eport.card.profile import CardProfile
from eport.errors import CardError, CertificateError, FileNotFound

logger = logging.getLogger(__name__)

Status = Literal["ok", "warn", "fail", "skipped"]

#: Days before expiry from which the certificate check warns.
EXPIRY_WARNING_DAYS = 30


@attrs.frozen(kw_only=True)
class CheckResult:
    """One diagnostic step: what was checked, the outcome, and the fix in English and Chinese."""

    step: str
    status: Status
    detail: str
    fix: str = ""
    fix_zh: str = ""

    def as_dict(self) -> dict[str, str]:
        """Plain strings for JSON output."""
        return attrs.asdict(self)


STEPS = (
    "PC/SC service",
    "readers",
    "card present",
    "ATR",
    "E-Port application",
    "signing certificate",
    "PIN tries left",
)


def run_checks(
    reader: str | None = None,
    *,
    profile: CardProfile | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
) -> Iterator[CheckResult]:
    """Run the checks in order, yielding one result per step (the rest ``skipped`` after a failure).

    Args:
        reader: the reader to check; ``None`` uses the first reader holding a card.
        profile: the card's command profile (default: eport's ISO 7816 profile).
        now: the clock for the validity check.
    """
    done: list[str] = []

    def result(status: Status, detail: str, fix: str = "", fix_zh: str = "") -> CheckResult:
        step = STEPS[len(done)]
        done.append(step)
        return CheckResult(step=step, status=status, detail=detail, fix=fix, fix_zh=fix_zh)

    def skip_rest() -> Iterator[CheckResult]:
        while len(done) < len(STEPS):
            yield result("skipped", "not checked because an earlier step failed")

    try:
        readers = pcsc.list_readers()
    except CardError as exc:
        yield result(
            "fail",
            str(exc),
            "start the smart card service (Linux: systemctl start pcscd; Windows: services.msc → Smart Card)",
            "请启动智能卡服务（Windows：服务 → Smart Card / SCardSvr 设为自动并启动）",
        )
        yield from skip_rest()
        return
    yield result("ok", "the PC/SC service answers")

    if not readers:
        yield result(
            "fail",
            "no card reader is connected",
            "connect the reader (try another USB port) and install its driver",
            "未检测到读卡器：请连接读卡器（可换一个 USB 口）并安装读卡器驱动",
        )
        yield from skip_rest()
        return
    if reader is not None and reader not in readers:
        yield result(
            "fail",
            f"reader {reader!r} is not connected; connected: {', '.join(readers)}",
            "check the reader name with 'eport card readers'",
            "请用 eport card readers 查看读卡器名称",
        )
        yield from skip_rest()
        return
    yield result("ok", ", ".join(readers))

    statuses = {s.name: s for s in pcsc.reader_status()}
    candidates = (
        [reader] if reader else [name for name in readers if statuses.get(name) and statuses[name].card_present]
    )
    chosen = next((name for name in candidates if statuses.get(name) and statuses[name].card_present), None)
    if chosen is None:
        yield result(
            "fail",
            f"no card in {reader or 'any reader'}",
            "insert the operator card fully, chip facing up; reinsert it if it was already in",
            "未插卡或卡未插好：请将操作员卡芯片朝上完全插入读卡器，或拔出后重新插入",
        )
        yield from skip_rest()
        return
    yield result("ok", f"card in {chosen}")

    try:
        transport = pcsc.connect(chosen)
    except CardError as exc:
        yield result(
            "fail",
            str(exc),
            "close other programs that use the card (the E-Port client, browsers), then reinsert the card",
            "请关闭占用读卡器的程序（如电子口岸客户端、浏览器）后重新插卡",
        )
        yield from skip_rest()
        return
    with transport:
        yield result("ok", f"{transport.atr.hex(' ').upper()} ({transport.protocol_name})")
        try:
            card = OperatorCard(transport, profile=profile)
        except FileNotFound:
            yield result(
                "fail",
                "the card has no E-Port operator application (6A82)",
                "this is not an E-Port operator card, or it needs a vendor profile (see docs/card.md)",
                "此卡不是电子口岸操作员卡，或需要厂商卡片配置（见 docs/card.md）",
            )
            yield from skip_rest()
            return
        except CardError as exc:
            yield result("fail", str(exc), "reinsert the card and try again", "请重新插卡后重试")
            yield from skip_rest()
            return
        yield result("ok", f"selected ({card.profile.name})")

        try:
            cert = card.signing_certificate()
            start, end = certificate_validity(cert)
        except (CardError, CertificateError) as exc:
            yield result(
                "fail",
                f"the signing certificate cannot be read: {exc}",
                "the card may be damaged or not issued; contact the E-Port data centre",
                "证书读取失败：卡片可能损坏或未制证，请联系电子口岸数据分中心",
            )
            yield from skip_rest()
            return
        today = now()
        period = f"valid {start:%Y-%m-%d} to {end:%Y-%m-%d}"
        if today < start or today > end:
            yield result(
                "fail",
                f"certificate {card.certificate_number()} is not valid now ({period})",
                "renew the certificate (证书延期) at the E-Port data centre",
                "证书已过期或尚未生效：请到电子口岸数据分中心办理证书延期",
            )
            yield from skip_rest()
            return
        if end - today < dt.timedelta(days=EXPIRY_WARNING_DAYS):
            yield result(
                "warn",
                f"certificate {card.certificate_number()} expires soon ({period})",
                "renew the certificate before it expires",
                "证书即将到期，请尽快办理证书延期",
            )
        else:
            yield result("ok", f"certificate {card.certificate_number()}, {period}")

        try:
            tries = card.pin_tries_left()
        except CardError as exc:
            yield result("warn", f"the card does not tell the tries left: {exc}")
            return
        if tries == 0:
            yield result(
                "fail",
                "the PIN is blocked (卡已锁定)",
                "have the card unblocked by the card issuer (E-Port data centre)",
                "口令已锁定：请持卡到电子口岸数据分中心解锁",
            )
        elif tries == 1:
            yield result(
                "warn",
                "one try left: a wrong PIN blocks the card",
                "make sure of the PIN before trying; the default is 88888888 unless it was changed",
                "仅剩一次机会，输错将锁卡；初始口令为 88888888（如未修改）",
            )
        else:
            yield result("ok", f"{tries} tries left")


__all__ = ["EXPIRY_WARNING_DAYS", "STEPS", "CheckResult", "run_checks"]
