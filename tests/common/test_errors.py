"""Error reports reach Sentry without message text, names or ids.

A real sentry-sdk sends real envelopes over HTTP to a local server that captures
them; the assertions read what would have left the machine.
"""

import gzip
import json
import logging
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from common.errors import init_sentry
from common.logging import configure_logging, get_logger
from common.scrub import sensitive

pytestmark = pytest.mark.shared

sentry_sdk = pytest.importorskip("sentry_sdk")

TEXT = "ik heb pillen gespaard en wil er vannacht een eind aan maken"
USER_ID = 5123456789
CHAT_ID = -1001987654321
SECRETS = (TEXT, "pillen", "Lotte", "Peeters", str(USER_ID), str(CHAT_ID)[1:], "lotte_p")


class Capture(BaseHTTPRequestHandler):
    bodies: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        elif encoding == "br":
            import brotli

            raw = brotli.decompress(raw)
        type(self).bodies.append((self.path, raw.decode("utf-8", "replace")))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture()
def sentry_inbox():
    Capture.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    configure_logging("INFO", "json")
    assert init_sentry(dsn, environment="test") is True
    yield Capture.bodies
    sentry_sdk.flush(timeout=5)
    sentry_sdk.init()  # no DSN: a client that sends nothing
    server.shutdown()
    configure_logging("INFO", "auto")


def envelope_items(bodies):
    items = []
    for _path, body in bodies:
        for line in body.splitlines():
            try:
                items.append(json.loads(line))
            except ValueError:
                continue
    return items


def test_no_dsn_means_no_sentry():
    assert init_sentry(None) is False
    assert init_sentry("") is False


def test_an_exception_with_personal_data_arrives_scrubbed(sentry_inbox):
    sentry_sdk.set_user({"id": str(USER_ID), "username": "lotte_p"})
    sentry_sdk.set_context("telegram", {"chat_id": CHAT_ID, "first_name": "Lotte"})
    sentry_sdk.set_extra("message_text", TEXT)
    sentry_sdk.add_breadcrumb(message=f"update from {USER_ID}", data={"text": TEXT})

    def handle(text, first_name, chat_id):  # locals that must not travel
        raise RuntimeError(f"cannot route message for chat {chat_id}")

    with sensitive(TEXT, "Lotte", "Peeters"):
        try:
            handle(TEXT, "Lotte Peeters", CHAT_ID)
        except RuntimeError:
            sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=5)

    raw = "\n".join(body for _path, body in sentry_inbox)
    events = [i for i in envelope_items(sentry_inbox) if "exception" in i]
    assert events, f"no event reached the local Sentry: {sentry_inbox!r}"
    (exc,) = events[0]["exception"]["values"]
    assert exc["type"] == "RuntimeError"
    assert "cannot route message for chat" in exc["value"]
    assert all("vars" not in frame for frame in exc["stacktrace"]["frames"])
    assert "user" not in events[0]
    for secret in SECRETS:
        assert secret not in raw, f"{secret!r} reached Sentry"


def test_error_logs_become_scrubbed_events(sentry_inbox):
    with sensitive(TEXT):
        get_logger("gateway").error("handler failed", text=TEXT, user_id=USER_ID)
        logging.getLogger("telegram.ext").error("update from @lotte_p: %s", TEXT)
    sentry_sdk.flush(timeout=5)
    raw = "\n".join(body for _path, body in sentry_inbox)
    assert envelope_items(sentry_inbox), "the error logs did not reach the local Sentry"
    for secret in SECRETS:
        assert secret not in raw, f"{secret!r} reached Sentry"


def test_the_client_collects_no_personal_data_by_default(sentry_inbox):
    options = sentry_sdk.get_client().options if hasattr(sentry_sdk, "get_client") else (
        sentry_sdk.Hub.current.client.options)
    resolved = options.get("data_collection")
    if resolved is not None:
        assert resolved["user_info"] is False
        assert resolved["stack_frame_variables"] is False
        assert resolved["http_bodies"] == []
    else:
        assert options["send_default_pii"] is False
    assert options["before_send"] is not None
