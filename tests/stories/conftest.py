"""One live stack for the end-to-end modules of this folder (tests/stories/live.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import stack
from tests.stories.live import Stack, live_stack


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Stack]:
    try:
        with live_stack(tmp_path_factory.mktemp("stack")) as running:
            yield running
    except stack.StackError as error:
        stack.unavailable(str(error))
