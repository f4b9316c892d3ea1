"""``python -m escalation``: serve the API (default), or run one maintenance step."""

from escalation.cli import app

app(prog_name="python -m escalation")
