"""``eport card`` against the demo card in a real pcscd, and against the local-service simulator."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner

from eport.card import pcsc
from eport.card.emulator import DEMO_PIN, EmulatedCard, VpcdCard, demo_card
from eport.card.simulator import LocalServiceSimulator
from eport.cli.main import cli

Insert = Callable[[EmulatedCard], VpcdCard]


def _run(args: list[str], **kwargs: object) -> object:
    return CliRunner().invoke(cli, ["card", *args], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "command", [[], ["doctor"], ["info"], ["verify-pin"], ["change-pin"], ["readers"], ["emulate"]]
)
def test_help_never_touches_a_reader(command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("--help touched PC/SC")

    for name in ("list_readers", "reader_status", "connect", "wait_for_card", "_Context"):
        monkeypatch.setattr(pcsc, name, forbidden)
    result = CliRunner().invoke(cli, ["card", *command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.pcscd
def test_doctor_all_green(insert: Insert) -> None:
    insert(demo_card())
    result = CliRunner().invoke(cli, ["card", "doctor", "--json"])
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)
    assert [s["status"] for s in steps] == ["ok"] * 7
    assert steps[-1]["detail"] == "5 tries left"


@pytest.mark.pcscd
def test_doctor_without_card_explains_the_fix(pcscd: None) -> None:
    result = CliRunner().invoke(cli, ["card", "doctor"])
    assert result.exit_code == 1
    assert "✘ card present" in result.output
    assert "chip facing up" in result.output
    assert "芯片朝上" in result.output
    assert "- PIN tries left: not checked" in result.output


@pytest.mark.pcscd
def test_doctor_warns_on_the_last_try_and_fails_when_locked(insert: Insert) -> None:
    card = demo_card(max_tries=3)
    card.tries_left = 1
    insert(card)
    result = CliRunner().invoke(cli, ["card", "doctor", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[-1]["status"] == "warn"
    card.tries_left = 0
    result = CliRunner().invoke(cli, ["card", "doctor", "--json"])
    assert result.exit_code == 1
    last = json.loads(result.stdout)[-1]
    assert last["status"] == "fail"
    assert "锁定" in last["fix_zh"]


@pytest.mark.pcscd
def test_info_and_pin_commands(insert: Insert) -> None:
    card = demo_card()
    insert(card)
    result = CliRunner().invoke(cli, ["card", "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["card_id"] == "JJ0DEMO000001"
    assert info["pin_tries_left"] == 5

    result = CliRunner().invoke(cli, ["card", "verify-pin"], input=DEMO_PIN + "\n")
    assert result.exit_code == 0, result.output
    assert "PIN verified" in result.output
    assert DEMO_PIN not in result.output  # no echo

    result = CliRunner().invoke(cli, ["card", "verify-pin"], input="00000000\n")
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: PinError: ")
    assert last.endswith("tries left: 4")
    assert "00000000" not in result.output

    new = "11223344"
    result = CliRunner().invoke(cli, ["card", "change-pin"], input=f"{DEMO_PIN}\n{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    assert new not in result.output
    result = CliRunner().invoke(cli, ["card", "verify-pin"], env={"EPORT_PIN": new})
    assert result.exit_code == 0, result.output


@pytest.mark.pcscd
def test_readers_command(insert: Insert) -> None:
    insert(demo_card())
    result = CliRunner().invoke(cli, ["card", "readers", "--json"])
    rows = {r["reader"]: r for r in json.loads(result.stdout)}
    assert rows["Virtual PCD 00 00"]["card_present"] is True
    assert rows["Virtual PCD 00 01"]["card_present"] is False


def test_info_through_the_local_service() -> None:
    with LocalServiceSimulator(demo_card()) as simulator:
        result = CliRunner().invoke(cli, ["card", "info", "--json", "--local-service", simulator.url])
        assert result.exit_code == 0, result.output
        info = json.loads(result.stdout)
        assert info["enterprise_code"] == "1101960001"
        assert info["pin_tries_left"] is None
        result = CliRunner().invoke(cli, ["card", "verify-pin", "--local-service", simulator.url], input="88888888\n")
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1].startswith("error: PinError: ")
