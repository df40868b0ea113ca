"""The gateway's extension point: a router in its own module reaches the running sandbox through ``Context``."""

from __future__ import annotations

from pathlib import Path

import requests
from fastapi import APIRouter

from eport.sandbox import Sandbox, SandboxConfig
from eport.sandbox.gateway import GatewayServer, create_app
from eport.sandbox.web import ApiError, Context, SandboxContext, error_responses


class Counter:
    """A service's state object: counts in a file of the sandbox's data folder, notes when it is closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.closed = False

    def bump(self) -> int:
        value = int(self.path.read_text()) + 1 if self.path.exists() else 1
        self.path.write_text(str(value))
        return value

    def close(self) -> None:
        self.closed = True


built: list[Counter] = []


def make_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/example", tags=["example"])

    @router.post("/count", responses=error_responses(409))
    def count(sandbox: Context) -> dict[str, int]:
        def build() -> Counter:
            built.append(Counter(sandbox.data_dir / "example-counter.txt"))
            return built[-1]

        value = sandbox.service("example", build).bump()
        if value > 3:
            raise ApiError(409, "too_many", "counted enough")
        return {"value": value}

    return router


def test_router_reaches_state_folder_and_service_is_closed(tmp_path: Path) -> None:
    built.clear()
    sandbox = Sandbox(SandboxConfig(state_dir=tmp_path, port=0, poll_interval=3600.0))
    context = SandboxContext(sandbox.config, sandbox.engine, sandbox.store)
    server = GatewayServer("127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.port}"
    app = create_app(context, server_url=url)
    app.include_router(make_router())
    server.start(app)
    try:
        values = [requests.post(f"{url}/api/v1/example/count", timeout=5) for _ in range(4)]
        spec = requests.get(f"{url}/openapi.json", timeout=5).json()
    finally:
        server.stop()
        context.close()
        sandbox.stop()

    assert [r.status_code for r in values] == [200, 200, 200, 409]
    assert [r.json() for r in values[:3]] == [{"value": 1}, {"value": 2}, {"value": 3}]
    assert values[3].json() == {"error": "counted enough", "code": "too_many"}
    assert (tmp_path / "example-counter.txt").read_text() == "4"
    assert len(built) == 1  # one state object per running sandbox
    assert built[0].closed
    assert "/api/v1/example/count" in spec["paths"]
    assert spec["servers"] == [{"url": url}]
