"""The API pages work without internet: Swagger UI comes from our own server."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from common.apidocs import serve_api_docs


def make_app() -> FastAPI:
    app = FastAPI(title="Probe", docs_url=None, redoc_url=None)

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    serve_api_docs(app)
    return app


def test_docs_page_loads_every_asset_from_this_server():
    client = TestClient(make_app())
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert assets, "the page references no assets"
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by us"
        assert client.get(asset).status_code == 200, asset
    assert "/openapi.json" in page.text
    assert client.get("/openapi.json").json()["paths"]["/ping"]


def test_our_services_use_the_offline_page():
    from bot.simulator.app import create_app as simulator_app
    from bot.simulator.settings import SimulatorSettings

    app = simulator_app(SimulatorSettings())
    routes = {getattr(r, "path", None) for r in app.routes}
    assert "/docs" in routes and "/docs-assets" in routes
    client = TestClient(app)
    assert "swagger-ui-bundle.js" in client.get("/docs").text


def test_the_escalation_service_uses_the_offline_page():
    from escalation.api import create_app as escalation_app
    from escalation.settings import EscalationSettings

    app = escalation_app(EscalationSettings(), run_background=False)
    routes = {getattr(r, "path", None) for r in app.routes}
    assert "/docs" in routes and "/docs-assets" in routes
