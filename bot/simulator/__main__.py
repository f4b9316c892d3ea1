"""``python -m bot.simulator``: start the simulator; ``... replay FILE``: replay a conversation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.simulator.settings import SimulatorSettings

cli = typer.Typer(add_completion=False, no_args_is_help=False,
                  help="The local Telegram simulator.")


@cli.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    """Start the simulator (Bot API, scripting API and web page) when no command is given."""
    if ctx.invoked_subcommand is None:
        serve()


@cli.command()
def serve() -> None:
    """Start the simulator on SIMULATOR_HOST:SIMULATOR_PORT (127.0.0.1:8080)."""
    import uvicorn

    from bot.simulator.app import create_app
    from common.logging import get_logger

    settings = SimulatorSettings()
    settings.start_observability()
    app = create_app(settings)
    get_logger(__name__).info("simulator starting", host=settings.host, port=settings.port)
    typer.echo(f"Telegram simulator: http://{settings.host}:{settings.port}/  "
               f"(scripting API: /docs, Bot API: /bot<token>/<method>)")
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None,
                access_log=False)


@cli.command()
def replay(
    conversation: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                 help="a conversation YAML file")],
    url: Annotated[str | None, typer.Option(
        help="a running simulator (default: start one here, without a bot)")] = None,
    quiet: Annotated[float, typer.Option(help="seconds of bot silence that end a step")] = 0.5,
    timeout: Annotated[float, typer.Option(help="longest wait for the bot per step")] = 15.0,
) -> None:
    """Replay a conversation from FILE and print what the teens and the staff saw."""
    from bot.simulator.replay import replay_file

    typer.echo(replay_file(conversation, url=url, quiet=quiet, timeout=timeout), nl=False)


if __name__ == "__main__":
    cli()
