"""Every notebook under notebooks/ runs top to bottom with nbclient in a fresh kernel (generic: new notebooks are
covered without a new test); the data-check notebook's results are checked."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def execute(path: Path, workdir: Path) -> Any:
    """Run the notebook in ``workdir`` (a copy, so outputs never land in the repository) and return it."""
    copy = workdir / path.name
    shutil.copy(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute(env={"MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    return notebook


def _outputs(notebook: Any) -> list[dict[str, Any]]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def test_the_data_check_notebook_is_there() -> None:
    assert "data-check.ipynb" in [p.name for p in NOTEBOOKS]


def test_notebooks_are_stored_without_outputs() -> None:
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        assert _outputs(notebook) == [], f"{path.name}: clear the outputs before committing"


@pytest.mark.sandbox
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    notebook = execute(path, tmp_path)  # raises CellExecutionError on the first failing cell
    outputs = _outputs(notebook)
    assert not [o for o in outputs if o.output_type == "error"]
    if path.name == "data-check.ipynb":
        text = "\n".join(str(o.get("text", "")) for o in outputs if o.output_type == "stream")
        assert "27 of 30 orders are valid" in text  # the three rows with mistakes are found
        tables = [o["data"]["text/plain"] for o in outputs if "data" in o and "text/plain" in o["data"]]
        assert any("code-table" in t and "xsd-min-length" in t for t in tables)  # the problems DataFrame
        assert any("closed" in t for t in tables)  # the sandbox reached 结关 for the sent inventories
        assert any("image/png" in o.get("data", {}) for o in outputs)  # the plot
