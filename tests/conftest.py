"""Fixtures for the whole suite.

This file is also loaded by the Python 3.10 (Rasa) run of the shared tests, where
the server fixtures' libraries are not installed: they load on 3.11+ only.
"""

import sys

if sys.version_info >= (3, 11):
    from tests.servers import (  # noqa: F401  (fixtures)
        postgres_dsn,
        postgres_server,
        redis_client,
        redis_server,
    )
