"""The service's command line (typer): serve (the default), migrate, purge."""

from __future__ import annotations

import asyncio

import typer

from escalation.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=False, help=__doc__)


@app.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    """Without a command: serve."""
    if ctx.invoked_subcommand is None:
        serve(host=None, port=None)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="default: ESCALATION_HOST (127.0.0.1)"),
    port: int | None = typer.Option(None, help="default: ESCALATION_PORT (8000)"),
) -> None:
    """Serve the HTTP API (migrates the database first unless told not to)."""
    import uvicorn

    from escalation.api import create_app

    settings = get_settings()
    settings.start_observability()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,  # our structlog configuration handles uvicorn's loggers
        access_log=False,  # URLs hold escalation ids only, but the chain stays small
    )


@app.command()
def migrate(revision: str = typer.Argument("head")) -> None:
    """Upgrade the database to a revision (head by default)."""
    from escalation import db

    settings = get_settings()
    settings.start_observability()
    db.upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@app.command()
def purge() -> None:
    """Run the retention purge once now."""
    from escalation import db
    from escalation import purge as purging
    from escalation.service import utcnow

    settings = get_settings()
    settings.start_observability()

    async def run() -> None:
        engine = db.create_engine(settings.database_url)
        try:
            from sqlalchemy.ext.asyncio import async_sessionmaker

            report = await purging.purge(
                async_sessionmaker(engine).begin,
                utcnow(),
                settings.retention_days,
                settings.plan_retention_days,
            )
        finally:
            await engine.dispose()
        typer.echo(
            f"purged: {report.messages_deleted} messages, "
            f"{report.escalations_anonymised} escalations anonymised (cutoff {report.cutoff}), "
            f"{report.plans_deleted} safety plans deleted"
        )

    asyncio.run(run())
