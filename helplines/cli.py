"""``python -m helplines``: what is open now, and a check of the helpline file.

For coordinators. Needs typer and rich, so it runs on the Python 3.11+ side only;
the rest of the package does not import it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from helplines.hours import require_aware
from helplines.loader import DEFAULT_PATH, HelplineDataError, load_directory
from helplines.model import Helpline, HelplineDirectory
from helplines.offers import (
    OFFERS_SHOWN,
    RISK_LEVELS,
    ChannelStatus,
    Offer,
    UnknownCountryError,
    channel_status,
    helplines_for,
    normalise_risk,
    select_offers,
)
from helplines.texts import render_offers

app = typer.Typer(
    add_completion=False,
    help="The helpline directory: what is open now, and a check of the helpline file.",
)

AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="Show the state at this moment instead of now, with its UTC offset, "
        "e.g. 2026-03-29T02:30+02:00.",
    ),
]
CountryOption = Annotated[
    str | None, typer.Option("--country", help="Only this country: BE or NL.")
]
RiskOption = Annotated[
    str | None,
    typer.Option(
        "--risk",
        help=f"Show the helplines a teen at this risk level gets ({', '.join(RISK_LEVELS)}), "
        "in the teen's order, the ones left out, and the text the teen reads.",
    ),
]
LimitOption = Annotated[
    int,
    typer.Option(
        "--limit",
        min=1,
        help="With --risk: how many helplines a teen is shown when nothing forces more "
        "(the bot's number is the default).",
    ),
]
FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        envvar="HELPLINES_FILE",
        help="The helpline file to use (default: the one shipped with the package).",
    ),
]


@app.callback(invoke_without_command=True)
def show(
    ctx: typer.Context,
    at: AtOption = None,
    country: CountryOption = None,
    risk: RiskOption = None,
    limit: LimitOption = OFFERS_SHOWN,
    file: FileOption = None,
) -> None:
    """Print, per country, every helpline channel and whether it is open now."""
    if ctx.invoked_subcommand is not None:
        return
    console = Console()
    now = _parse_at(at)
    directory = _load_or_exit(file)
    countries = directory.countries
    if country is not None:
        code = country.strip().upper()
        if code not in countries:
            raise typer.BadParameter(
                f"{country!r}: no helplines for it; known: {', '.join(countries)}",
                param_hint="--country",
            )
        countries = (code,)
    for code in countries:
        if risk is None:
            rows = [
                (helpline, channel_status(channel, now))
                for helpline in directory.in_country(code)
                for channel in helpline.channels
            ]
            title = f"{code} at {_local(now, directory.in_country(code)[0])}"
        else:
            try:
                ranked = helplines_for(code, risk, now, directory)
            except UnknownCountryError as error:  # pragma: no cover - countries come from the file
                raise typer.BadParameter(str(error), param_hint="--country") from None
            # The same selection as the bot (bot/actions/helpline_offers.py).
            offers = select_offers(ranked, risk, limit)
            rows = [(offer.helpline, status) for offer in offers for status in offer.channels]
            level = normalise_risk(risk)
            shown = level if level == risk.strip().lower() else f"{level} (unknown {risk!r})"
            title = (
                f"{code} at {_local(now, directory.in_country(code)[0])}, risk {shown}: "
                f"shown to the teen (cap {limit})"
            )
        console.print(_table(title, rows))
        if risk is not None:
            console.print(_left_out(ranked, offers), markup=False, highlight=False)
            console.print(f"What a teen in {code} sees:", style="bold")
            console.print(render_offers(offers, now), markup=False, highlight=False)
            console.print()


@app.command()
def check(
    path: Annotated[
        Path | None,
        typer.Argument(
            envvar="HELPLINES_FILE",
            help="The helpline file to check (default: the one shipped with the package).",
        ),
    ] = None,
) -> None:
    """Check a helpline file: exit 0 with a summary, or 1 with what to fix."""
    directory = _load_or_exit(path)
    counts = ", ".join(f"{code}: {len(directory.in_country(code))}" for code in directory.countries)
    channels = sum(len(h.channels) for h in directory)
    Console().print(
        f"OK: {directory.path}: {len(directory)} helplines ({counts}), {channels} channels.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def main() -> None:
    app(prog_name="python -m helplines")


def _load_or_exit(path: Path | None) -> HelplineDirectory:
    try:
        return load_directory(path if path is not None else DEFAULT_PATH)
    except HelplineDataError as error:
        Console(stderr=True).print(
            f"Error: {error}", markup=False, highlight=False, soft_wrap=True, style="red"
        )
        raise typer.Exit(code=1) from None


def _parse_at(at: str | None) -> datetime:
    if at is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(at.strip())
        require_aware(moment)
    except ValueError:
        raise typer.BadParameter(
            f"{at!r} is not a date and time with a UTC offset; "
            "expected e.g. 2026-03-29T02:30+02:00 or 2026-03-29T00:30Z",
            param_hint="--at",
        ) from None
    return moment


def _local(moment: datetime, helpline: Helpline) -> str:
    local = moment.astimezone(ZoneInfo(helpline.timezone))
    return f"{local:%a %d %b %Y %H:%M} ({helpline.timezone}, UTC{local:%z})"


def _left_out(ranked: list[Offer], shown: list[Offer]) -> str:
    """The lines the cap left out, open ones first as in the teen's list."""
    left = [offer for offer in ranked if all(offer is not kept for kept in shown)]
    left.sort(key=lambda offer: not offer.is_open)  # stable: role order within each
    names = [f"{o.helpline.name} ({'open' if o.is_open else 'closed'})" for o in left]
    return "Left out: " + (", ".join(names) if names else "none")


def _table(title: str, rows: list[tuple[Helpline, ChannelStatus]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("Helpline")
    table.add_column("Channel")
    table.add_column("Number / address", overflow="fold")
    table.add_column("Open now")
    table.add_column("Until / opens")
    for helpline, status in rows:
        channel = status.channel
        if status.is_open:
            state = "[green]open[/green]"
            until = status.closes_at
            when = "day and night" if until is None else f"until {_when(until, helpline)}"
        else:
            state = "[red]closed[/red]"
            opens = status.opens_at
            when = "never" if opens is None else f"opens {_when(opens, helpline)}"
        table.add_row(helpline.name, channel.kind, channel.address, state, when)
    return table


def _when(moment: datetime, helpline: Helpline) -> str:
    return f"{moment.astimezone(ZoneInfo(helpline.timezone)):%a %d %b %H:%M}"
