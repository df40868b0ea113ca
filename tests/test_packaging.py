"""What users install: the wheel's dependencies, the sdist's contents, optional extras and the cost of imports.

The distributions are built once per session from this tree with ``python -m build --no-isolation`` (``build`` and
``hatchling`` are in the ``test`` extra). Imports are checked in fresh interpreters (subprocesses), since this
process has long imported everything.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Importing these packages must not load any of these modules (the package loads them on first use).
#: eport.card needs cryptography (certificates) but never pyscard until a PC/SC reader is opened.
HEAVY = ("requests", "urllib3", "cryptography", "asn1crypto", "lxml", "smartcard", "pandas", "openpyxl")
HEAVY_EPORT = ("eport.pki.certs", "eport.edi.dec", "eport.edi.manifest", "eport.edi.ceb", "eport.services.clearance")
NOT_IMPORTED: dict[str, tuple[str, ...]] = {
    "eport": HEAVY + HEAVY_EPORT,
    "eport.errors": HEAVY + HEAVY_EPORT,
    "eport.edi": HEAVY + HEAVY_EPORT,
    "eport.pki": HEAVY + HEAVY_EPORT,
    "eport.pki.signer": HEAVY + HEAVY_EPORT,
    "eport.services": HEAVY + HEAVY_EPORT,
    "eport.card": ("smartcard", "requests", "urllib3", "lxml", "pandas", "eport.services.clearance", "eport.edi.dec"),
}


def _imported_by(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after ``statement`` (its ``sys.modules``)."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(proc.stdout.splitlines()[-1]))


@pytest.mark.parametrize("package", sorted(NOT_IMPORTED))
def test_importing_a_package_loads_no_heavy_dependency(package: str) -> None:
    loaded = _imported_by(f"import {package}")
    assert package in loaded  # the listing works: the package itself is in it
    heavy = sorted(name for name in loaded if any(name == h or name.startswith(h + ".") for h in NOT_IMPORTED[package]))
    assert heavy == [], f"import {package} loads {heavy}"


def test_a_public_name_still_loads_its_module_on_first_use() -> None:
    loaded = _imported_by("from eport.services import ClearanceClient, HttpTransport; from eport.pki import sign_ceb")
    assert {"eport.services.clearance", "requests", "eport.pki.ceb", "lxml"} <= loaded
    listed = subprocess.run(
        [sys.executable, "-c", "import eport.services, eport.pki; print(dir(eport.services)); print(dir(eport.pki))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "ClearanceClient" in listed.stdout
    assert "verify_enveloped" in listed.stdout


@pytest.mark.parametrize("package", ["eport.services", "eport.pki", "eport.edi"])
def test_every_name_in_all_resolves(package: str) -> None:
    code = f"import {package} as p; missing = [n for n in p.__all__ if getattr(p, n, None) is None]; print(missing)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert proc.stdout.strip() == "[]"


# ----------------------------------------------------------------------------------------- pyscard is optional
_BLOCK_PYSCARD = """
import importlib.abc, sys

class _NoPyscard(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "smartcard" or name.startswith("smartcard."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoPyscard())
"""


def test_without_pyscard_the_card_package_works_and_pcsc_names_the_extra() -> None:
    script = _BLOCK_PYSCARD + textwrap.dedent(
        """
        import json
        import eport.card, eport.edi, eport.pki, eport.services
        from eport.card.emulator import EmulatedCard
        from eport.errors import ConfigurationError, MissingExtraError
        try:
            import smartcard
        except ImportError:
            blocked = True
        else:
            blocked = False
        try:
            import eport.card.pcsc
        except MissingExtraError as exc:
            error = {"type": type(exc).__name__, "message": str(exc), "extra": exc.extra,
                     "import_error": isinstance(exc, ImportError), "configuration": isinstance(exc, ConfigurationError)}
        else:
            error = None
        try:
            eport.card.OperatorCard.connect()
        except MissingExtraError as exc:
            opened = str(exc)
        else:
            opened = None
        print(json.dumps({"blocked": blocked, "error": error, "opened": opened}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(proc.stdout)
    assert result["blocked"] is True
    assert result["error"] == {
        "type": "MissingExtraError",
        "message": "PC/SC readers (eport.card.pcsc, pyscard) needs the 'pcsc' extra: pip install 'eport[pcsc]'",
        "extra": "pcsc",
        "import_error": True,
        "configuration": True,
    }
    assert result["opened"] == result["error"]["message"]


# ------------------------------------------------------------------------------------------ built distributions
@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("eport-*.whl")
    return wheel


def _requires(dist: Path) -> list[str]:
    with zipfile.ZipFile(_wheel(dist)) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = zf.read(name).decode()
    return [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]


def test_pyscard_is_only_in_the_pcsc_and_all_extras(dist: Path) -> None:
    requires = _requires(dist)
    core = {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r}
    assert {"attrs", "lxml", "cryptography", "asn1crypto", "requests"} <= core
    assert not core & {"pyscard", "click", "rich", "pandas", "fastapi", "uvicorn"}  # no extra's package in the core
    assert sorted(r for r in requires if r.startswith("pyscard")) == [
        "pyscard>=2.0; extra == 'all'",
        "pyscard>=2.0; extra == 'pcsc'",
    ]


def _sdist_top() -> set[str]:
    """Top-level entries of the sdist: ``[tool.hatch.build.targets.sdist] include`` plus what the backend adds."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    table = text.split("[tool.hatch.build.targets.sdist]", 1)[1]
    include = re.search(r"include\s*=\s*\[(.*?)\]", table, re.S)
    assert include is not None
    return set(re.findall(r'"([^"]+)"', include.group(1))) | {"PKG-INFO", "pyproject.toml", ".gitignore", "changelog.d"}


def _sdist_files(dist: Path) -> list[str]:
    (sdist,) = dist.glob("eport-*.tar.gz")
    with tarfile.open(sdist) as tf:
        return [m.name.split("/", 1)[1] for m in tf.getmembers() if m.isfile()]


def test_the_sdist_holds_only_what_the_project_wrote_or_may_redistribute(dist: Path) -> None:
    files = _sdist_files(dist)
    assert {f.split("/", 1)[0] for f in files} <= _sdist_top()
    assert "tools/make_writer_documents.py" in files  # and the tool that writes them
    assert "tests/edi/data/writers/dec_dotnet_export.xml" in files  # the project's own test documents are in it
    assert "eport/edi/schemas/ceb202205/ceb-import.xsd" in files  # the official schemas it packages (see SOURCES.md)
    # no third-party documents, no local state
    forbidden = ("thirdparty", ".venv", "__pycache__", ".benchmarks", ".pytest_cache", ".hypothesis")
    assert [f for f in files if any(part in f.split("/") for part in forbidden)] == []
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=False, cwd=ROOT)
    if tracked.returncode == 0:  # in a clone: every file of the sdist is a committed file of the repository
        committed = set(tracked.stdout.splitlines()) | {"PKG-INFO"}
        assert sorted(set(files) - committed) == []


@pytest.mark.slow
def test_the_wheel_installs_without_extras_and_eport_edi_works(dist: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(_wheel(dist))],
        check=True,
        capture_output=True,
        timeout=300,
    )
    script = textwrap.dedent(
        """
        import importlib.util, json
        from eport import edi
        from eport.edi.dec import DecHead, DecMessage, DecSign
        message = DecMessage(dec_head=DecHead(ie_flag="I"), dec_sign=DecSign(oper_type="C"))
        again = edi.decode(edi.encode(message))
        try:
            import eport.card.pcsc
        except ImportError as exc:
            pcsc = str(exc)
        print(json.dumps({"same": again == message, "pyscard": importlib.util.find_spec("smartcard") is not None,
                          "click": importlib.util.find_spec("click") is not None, "pcsc": pcsc}))
        """
    )
    proc = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert json.loads(proc.stdout) == {
        "same": True,
        "pyscard": False,
        "click": False,
        "pcsc": "PC/SC readers (eport.card.pcsc, pyscard) needs the 'pcsc' extra: pip install 'eport[pcsc]'",
    }
