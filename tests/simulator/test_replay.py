"""Replaying a conversation file prints what each person saw, bot answers included."""

from pathlib import Path

from typer.testing import CliRunner

from bot.simulator.__main__ import cli
from bot.simulator.replay import replay_file
from tests.simulator.test_ordinary_bots import full_bot, polling

CONVERSATION = """
show: [lotte, els]
steps:
  - {as: lotte, in: vlaanderen, say: "hoi allemaal"}
  - {as: lotte, follow: "https://t.me/hulplijn_sim_bot?start=vl1"}
  - {as: lotte, say: /menu}
  - {as: lotte, press: Thee}
  - {as: els, in: staff, topic: Dienstoverdracht, say: "Ik heb dienst"}
  - {as: els, edit: "Ik heb dienst tot 22u"}
"""


async def test_replay_against_a_running_bot(simulator, tg, tmp_path: Path):
    path = tmp_path / "conversation.yaml"
    path.write_text(CONVERSATION, encoding="utf-8")
    async with polling(simulator, full_bot):
        # The replay is synchronous; run it off the loop so the bot keeps polling.
        import asyncio

        transcript = await asyncio.to_thread(replay_file, path, url=simulator.url,
                                             quiet=0.3, timeout=10)
    lotte, els = transcript.split("=== Els")
    assert lotte.startswith("=== Lotte (teen) ===")
    assert "--- Praatgroep Vlaanderen ---" in lotte and "Lotte: hoi allemaal" in lotte
    assert "Hulplijn: Welkom Lotte, code vl1" in lotte
    assert "Hulplijn: Gekozen: tea (bewerkt)" in lotte
    assert "[Dienstoverdracht] Els Hulpverlener: Ik heb dienst tot 22u (bewerkt)" in els
    assert "privé met de bot" not in els  # Els never opened the bot's chat


def test_the_cli_replays_without_a_bot_in_a_simulator_of_its_own(tmp_path: Path):
    path = tmp_path / "conversation.yaml"
    path.write_text("steps:\n  - {as: sanne, in: nederland, say: hallo}\n"
                    "  - {as: sanne, send: sticker, caption: '👋'}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["replay", str(path), "--quiet", "0.05"])
    assert result.exit_code == 0, result.output
    assert "=== Sanne (teen) ===" in result.output
    assert "Sanne: hallo" in result.output and "Sanne: [sticker 👋]" in result.output


def test_a_bad_step_names_itself(tmp_path: Path):
    path = tmp_path / "conversation.yaml"
    path.write_text("steps:\n  - {as: sanne, in: vlaanderen, say: hallo}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["replay", str(path), "--quiet", "0.05"])
    assert result.exit_code != 0
    assert "step 1: sanne is not a member of vlaanderen" in str(result.exception)
