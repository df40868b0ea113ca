"""``eport login``, ``eport verification …`` and ``eport identity …`` against the sandbox process, with the
emulated card: output, the one error format, exit codes, and no PIN in the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from eport.card.emulator import DEMO_PIN
from eport.cli.main import cli
from tests.portal.conftest import unique
from tests.sandbox.process import SandboxProcess


@pytest.fixture
def run(portal_sandbox: SandboxProcess, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``eport`` against the portal sandbox with the emulated card; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("EPORT_PORTAL", portal_sandbox.url)

    def _run(*args: str, pin: str = DEMO_PIN) -> tuple[int, str, str]:
        runner = CliRunner()
        result = runner.invoke(cli, list(args), env={"EPORT_PIN": pin})
        assert pin not in result.stdout + result.stderr
        return result.exit_code, result.stdout, result.stderr

    return _run


def test_login_shows_the_session(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("login", "--emulated", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["card_id"], data["enterprise_code"]) == ("JJ0DEMO000001", "1101960001")


def test_a_wrong_pin_is_explained_and_fails_with_the_error_line(run) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("login", "--emulated", pin="87654321")
    assert code == 1
    assert "pin_wrong" in err
    assert "tries left before the card locks: 4" in err
    assert err.strip().splitlines()[-1].startswith("error: PinError: ")


def test_diagnose_without_a_pin(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("login", "--emulated", "--diagnose", "--json")
    assert code == 0
    assert json.loads(out)["state"] == "CARD_PRESENT"
    code, _, err = run("login", "--emulated", "--diagnose", "--expect-enterprise", "4403960001")
    assert code == 1
    assert (
        err.strip().splitlines()[-1] == "error: DiagnosisFailed: the card diagnosis found problems: enterprise_mismatch"
    )


def test_login_to_an_unreachable_portal_says_so(run) -> None:  # type: ignore[no-untyped-def]
    from tests.sandbox.process import free_port

    code, _, err = run("login", "--emulated", "--portal", f"http://127.0.0.1:{free_port()}")
    assert code == 1
    assert "portal_unreachable" in err
    assert "no_client" not in err
    assert err.strip().splitlines()[-1].startswith("error: ConnectError: ")


def test_the_verification_steps_from_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("verification", "apply", "--emulated", "1", "--json")
    assert code == 0
    form_no = json.loads(out)[0]["formNo"]
    assert run("verification", "file", "--emulated", form_no, "--port", "深圳海关")[0] == 0
    entry = f"53002011{0}{int(form_no):09d}"
    code, out, _ = run(
        "verification", "use", "--emulated", form_no, "--entry-id", entry, "--port", "5300", "--date",
        "2011-04-01", "--amount", "10", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)[0]["state"] == "USED"
    assert run("verification", "hand-in", "--emulated", form_no)[0] == 0
    code, out, _ = run("verification", "query", "--emulated", f"formNo={form_no}", "state=VERIFIED", "--json")
    assert [f["formNo"] for f in json.loads(out)] == [form_no]
    code, out, _ = run("verification", "proceeds", "--emulated", "--entry-id", entry, "--json")
    assert [r["entryId"] for r in json.loads(out)] == [entry]
    code, _, err = run("verification", "hand-in", "--emulated", form_no)
    assert code == 1
    assert "error: FormStateError: " in err
    code, _, err = run("verification", "query", "--emulated", "colour=red")
    assert code == 1
    assert "error: FieldError: condition" in err


def test_bind_unbind_and_a_mismatch_from_the_command_line(run, portal_sandbox: SandboxProcess) -> None:  # type: ignore[no-untyped-def]
    number = unique("C")
    body = {"declarantNo": number, "name": "演示操作员 Demo Operator", "idNumber": "110101199003070011",
            "enterpriseCode": "1101960001"}  # fmt: skip
    requests.post(f"{portal_sandbox.url}/api/v1/identity/declarants", json=body, timeout=5).raise_for_status()
    code, out, _ = run("identity", "bind", "--emulated", number, "--json")
    assert code == 0
    assert json.loads(out)["binding"] == "BOUND"
    assert json.loads(run("identity", "unbind", "--emulated", number, "--json")[1])["binding"] == "UNBOUND"
    code, _, err = run("identity", "bind", "--emulated", "DEMO000000002")
    assert code == 1
    assert "error: IdentityMismatchError: " in err
    code, out, _ = run("identity", "enterprise", "--emulated", "4403960001", "--json")
    record = json.loads(out)
    assert (record["creditLevel"], record["creditLabel"], record["isAeo"]) == ("CERTIFIED", "认证企业", True)
    assert record["annualReport"] == {"year": record["annualReport"]["year"], "status": "OVERDUE"}
    code, out, _ = run("identity", "show", "--emulated", "DEMO000000002", "--json")
    shown = json.loads(out)
    assert (shown["declarantNo"], shown["binding"], shown["cardId"]) == ("DEMO000000002", "UNBOUND", None)
    for data in (record, shown):  # JSON for scripts: plain identifier keys, like the other --json outputs
        assert all(key.isascii() and key.isidentifier() for key in data), list(data)


def test_the_unverified_challenge_hash_is_an_option(run) -> None:  # type: ignore[no-untyped-def]
    # the sandbox verifies eport's assumption (RSA-SHA1 over the text of random): SHA-256 must be refused there
    code, _, err = run("login", "--emulated", "--challenge-hash", "sha256")
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: ChallengeError: ")
    assert run("login", "--emulated", "--challenge-hash", "sha1")[0] == 0
    code, _, err = run("verification", "query", "--emulated", "--challenge-hash", "md5")
    assert code == 2


def test_file_at_port_with_your_own_districts_table(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the shipped 关区 table is partial and unverified: a full table can be given on the command line
    table = tmp_path / "districts.csv"
    table.write_text("code,name\n5316,大铲海关\n5300,深圳海关\n", encoding="utf-8")
    form_no = json.loads(run("verification", "apply", "--emulated", "1", "--json")[1])[0]["formNo"]
    code, _, err = run("verification", "file", "--emulated", form_no, "--port", "大铲海关")
    assert (code, "CodeTableError" in err) == (1, True)
    code, out, _ = run(
        "verification", "file", "--emulated", form_no, "--port", "大铲海关", "--districts", str(table), "--json"
    )
    assert code == 0
    assert json.loads(out)[0]["port"] == "5316"
    table.write_text("code,name\n53,bad\n", encoding="utf-8")
    code, _, err = run("verification", "file", "--emulated", form_no, "--port", "5300", "--districts", str(table))
    assert code == 1
    assert "error: CodeTableError: " in err


def test_diagnose_explains_a_card_that_cannot_be_opened() -> None:
    # no such reader (or no PC/SC service at all): --diagnose must still print its diagnosis, and a login too.
    # In a child process: PC/SC opened here would keep later tests from starting their private pcscd.
    def eport(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from eport.cli import main; sys.argv = ['eport', *sys.argv[1:]]; main()"
        env = {**os.environ, "EPORT_PIN": DEMO_PIN}
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60)

    done = eport("login", "--diagnose", "--reader", "no such reader 0")
    assert done.returncode == 1
    assert "state: " in done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: DiagnosisFailed: ")
    done = eport("login", "--reader", "no such reader 0")
    assert done.returncode == 1
    assert "state: " in done.stderr
    assert not done.stderr.strip().splitlines()[-1].startswith("error: DiagnosisFailed")
    assert DEMO_PIN not in done.stdout + done.stderr
