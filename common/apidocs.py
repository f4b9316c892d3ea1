"""The browsable API page (Swagger UI) served from our own files, not from a CDN.

FastAPI's default ``/docs`` loads Swagger UI from a CDN, which a machine without
internet (ours, a helpline's locked-down laptop) cannot reach: the page stays blank.
``swagger-ui-bundle`` ships the same files as a Python package; this mounts them.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

ASSETS = "/docs-assets"


def serve_api_docs(app: FastAPI, path: str = "/docs") -> None:
    """Serve Swagger UI for ``app``'s OpenAPI document at ``path``, offline.

    Create the app with ``docs_url=None`` so FastAPI's CDN page is not registered.
    """
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(path, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title}: API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
