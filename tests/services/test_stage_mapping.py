"""The services stage of every code edi knows agrees with edi's own classes (issue #12, item 5): ``DecStatus``
(``CHANNEL``), ``StatementCode`` (manifest MT9999) and ``ReturnStatus`` (CEB ``returnStatus``). A release is a
release, a failure is a rejection, in both places."""

from __future__ import annotations

import pytest

from eport.edi.ceb.status import ReturnStatus
from eport.edi.dec import Channel, DecStatus
from eport.edi.manifest import StatementCode
from eport.services import Stage
from eport.services.receipts import ceb_stage, dec_stage, manifest_stage

RELEASED_OR_LATER = (Stage.RELEASED, Stage.CLOSED)


@pytest.mark.parametrize("channel", list(Channel), ids=lambda c: c.value)
def test_every_dec_channel(channel: Channel) -> None:
    status = DecStatus.of(channel.value)
    stage = dec_stage(channel.value)
    assert (stage in RELEASED_OR_LATER) == status.is_released, status
    assert (stage is Stage.REJECTED) == status.is_failure, status
    assert (stage is Stage.CLOSED) == (channel is Channel.CLOSED)


def test_the_codes_the_issue_names() -> None:
    assert dec_stage("W") is Stage.RELEASED  # 无纸验放: a release
    assert dec_stage("#") not in RELEASED_OR_LATER  # 准予进卡: not a release
    assert dec_stage("C") is Stage.INSPECTION  # an inspection notice: goods must not move
    assert manifest_stage("12") is Stage.REJECTED  # 拒装
    assert manifest_stage("13") is Stage.REJECTED  # 禁卸


@pytest.mark.parametrize("code", list(StatementCode), ids=lambda c: c.value)
def test_every_manifest_statement(code: StatementCode) -> None:
    stage = manifest_stage(code.value)
    assert (stage is Stage.REJECTED) == code.is_failure, code
    assert (stage is Stage.RELEASED) == (code is StatementCode.RELEASED), code
    assert stage is not Stage.OTHER, code  # every known code moves the submission somewhere


@pytest.mark.parametrize("status", [s for s in ReturnStatus if s not in (ReturnStatus.ERROR, ReturnStatus.UNKNOWN)],
                         ids=lambda s: s.value)  # fmt: skip
def test_every_ceb_return_status(status: ReturnStatus) -> None:
    stage = ceb_stage(status.value)
    assert (stage is Stage.REJECTED) == status.is_error, status
    assert (stage is Stage.RELEASED) == (status is ReturnStatus.RELEASED), status
    assert (stage is Stage.CLOSED) == (status is ReturnStatus.CLOSED), status


def test_ceb_negative_and_unknown_codes() -> None:
    assert ceb_stage("-621005") is Stage.REJECTED
    assert ceb_stage("42") is Stage.OTHER
    assert dec_stage("??") is Stage.OTHER
    assert manifest_stage("99") is Stage.OTHER
