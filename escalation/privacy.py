"""Pseudonymous ids and encrypted personal data.

* A Telegram id becomes a keyed hash (HMAC-SHA256 with ``ESCALATION_HMAC_KEY``): the
  same teen always gets the same ``teen_ref``, and without the key the ref cannot be
  turned back into an id (a plain hash of a number could: ids are few enough to try).
* What is needed to reach the teen again (their Telegram id, the group's chat id) and
  message text are Fernet-encrypted with ``ESCALATION_FERNET_KEY``; the retention
  purge (:mod:`escalation.purge`) deletes them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class Privacy:
    """The service's keys, and the few operations that use them."""

    def __init__(self, hmac_key: str, fernet_key: bytes) -> None:
        self._hmac_key = hmac_key.encode()
        self._fernet = Fernet(fernet_key)

    def ref(self, kind: str, telegram_id: int) -> str:
        """The pseudonymous ref of a Telegram user (``kind="teen"``) or chat (``"group"``)."""
        message = f"{kind}:{int(telegram_id)}".encode()
        return hmac.new(self._hmac_key, message, hashlib.sha256).hexdigest()

    def encrypt_text(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt_text(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong ESCALATION_FERNET_KEY?") from exc

    def encrypt_json(self, value: Any) -> str:
        return self.encrypt_text(json.dumps(value, separators=(",", ":")))

    def decrypt_json(self, token: str) -> Any:
        return json.loads(self.decrypt_text(token))
