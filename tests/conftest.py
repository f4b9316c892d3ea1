"""Fixtures and collection rules for the whole suite.

The suite runs twice: the whole of it on Python 3.11+, and on Python 3.10 (the Rasa
environment) the modules marked ``shared`` or ``rasa``. The 3.10 run does not even
import the other modules (they need 3.11-only libraries); a module is chosen by the
marker written in it, so a shared module that fails to import still fails loudly.
"""

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    from tests.servers import (  # noqa: F401  (fixtures)
        postgres_dsn,
        postgres_server,
        redis_client,
        redis_server,
    )
else:
    _MARKS_FOR_310 = ("pytest.mark.shared", "pytest.mark.rasa")

    def _runs_on_310(test_module: Path) -> bool:
        source = test_module.read_text(encoding="utf-8")
        return any(mark in source for mark in _MARKS_FOR_310)

    def pytest_ignore_collect(collection_path: Path, config: object) -> bool | None:
        # A folder without 3.10 tests is skipped whole, so its conftest.py (which may
        # import 3.11-only libraries) is never imported either.
        if collection_path.is_dir():
            return not any(_runs_on_310(p) for p in collection_path.rglob("test_*.py"))
        if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
            return None
        return not _runs_on_310(collection_path)
