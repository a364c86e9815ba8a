"""`python -m bot journeys ...`: list, export, import, and switch journeys and templates on or off,
for operators who script a shop's set-up and keep its journeys under version control.

The TOML file is a journey's settings and its steps (see README, "Journeys"); an import is
validated like the console's builder, each error naming the step and the field, and nothing is
saved unless the whole file is right.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import tomli_w
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cli.base import BotGroup, with_settings
from bot.config import Settings
from bot.crm.journeys.definition import JourneyError
from bot.crm.journeys.store import export_dict, save_journey, set_status
from bot.crm.journeys.templates import TEMPLATES, enable, upgrade_available
from models import Journey, JourneyEnrollment, JourneyVersion, utcnow


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    from bot.marketing.journey_wiring import install
    from models.db import make_engine, make_session_factory

    install()
    engine = make_engine(settings.database.url)
    try:
        with make_session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def _journey(session: Session, journey_id: int) -> Journey:
    journey = session.get(Journey, journey_id)
    if journey is None:
        raise click.ClickException(f"no journey {journey_id} (python -m bot journeys list shows them)")
    return journey


@click.group("journeys", cls=BotGroup, short_help="journeys: list, export, import, templates, enable, pause",
             help="Automated customer journeys: list them, export and import TOML, switch templates on, pause.")
def journeys_group() -> None:
    pass


@journeys_group.command("list", short_help="each journey with its status and counts",
                        help="List the journeys: id, status, name, customers entered and inside now.")
@with_settings
def list_command(settings: Settings) -> int:
    with _session(settings) as session:
        counts = {(j, s): n for j, s, n in session.execute(
            select(JourneyEnrollment.journey_id, JourneyEnrollment.status, func.count())
            .group_by(JourneyEnrollment.journey_id, JourneyEnrollment.status))}
        for journey in session.scalars(select(Journey).order_by(Journey.id)):
            entered = sum(n for (j, _), n in counts.items() if j == journey.id)
            inside = counts.get((journey.id, "active"), 0)
            converted = counts.get((journey.id, "converted"), 0)
            print(f"{journey.id}\t{journey.status}\t{journey.name}\tentered {entered}\tinside {inside}\tconverted {converted}")
    return 0


@journeys_group.command("templates", short_help="the built-in templates and whether each is on",
                        help="List the built-in templates: name, trigger, and the journey made from it (if any).")
@with_settings
def templates_command(settings: Settings) -> int:
    with _session(settings) as session:
        made = {j.template: j for j in session.scalars(select(Journey).where(Journey.template.is_not(None)))}
        entered = dict(session.execute(select(JourneyEnrollment.journey_id, func.count())
                                       .group_by(JourneyEnrollment.journey_id)).all())
        for name, build in TEMPLATES.items():
            data = build(settings)
            journey = made.get(name)
            state = f"journey {journey.id} {journey.status}, entered {entered.get(journey.id, 0)}" if journey else "off"
            if journey is not None and upgrade_available(session, settings, journey):
                state += f", a newer version is available (journeys enable {name} --upgrade)"
            print(f"{name}\t{data['trigger']['kind']}\t{data['name']}\t{state}")
    return 0


@journeys_group.command("enable", short_help="switch a template on",
                        help="Switch the built-in template NAME on (creating its journey the first time).")
@click.argument("name")
@click.option("--holdout", type=click.IntRange(0, 90), help="percent of entrants held out as a control group")
@click.option("--churn-risk", type=click.FloatRange(0, 1), help="win-back: enter customers at least this likely to churn "
              "(0 to 1, default 0.6)")
@click.option("--upgrade", is_flag=True, help="take the template's newer steps as a new version (customers inside keep theirs)")
@with_settings
def enable_command(settings: Settings, name: str, holdout: int | None, churn_risk: float | None, upgrade: bool) -> int:
    if name not in TEMPLATES:
        raise click.ClickException(f"no template {name!r}; choose one of {', '.join(TEMPLATES)}")
    with _session(settings) as session:
        try:
            journey = enable(session, settings, name, utcnow(), holdout=holdout, churn_risk=churn_risk, upgrade=upgrade)
        except JourneyError as error:
            raise click.ClickException(str(error)) from None
        version = session.get(JourneyVersion, journey.current_version_id)
        print(f"journey {journey.id} ({journey.name}) is active, holdout {journey.holdout_percent}%, "
              f"version {version.number if version else 0}")
    return 0


def _status_command(status: str, verb: str) -> Callable[..., int]:
    def command(settings: Settings, journey_id: int) -> int:
        with _session(settings) as session:
            journey = _journey(session, journey_id)
            try:
                set_status(session, journey, status, utcnow())
            except JourneyError as error:
                raise click.ClickException(str(error)) from None
            print(f"journey {journey.id} ({journey.name}) is {verb}")
        return 0
    return command


for _name, _status, _verb, _help in (
        ("pause", "paused", "paused", "Pause journey ID: customers inside wait where they are, no one enters."),
        ("resume", "active", "active again", "Resume (or first activate) journey ID."),
        ("archive", "archived", "archived", "Archive journey ID: customers still inside exit.")):
    journeys_group.command(_name, short_help=_help.split(":")[0].lower(), help=_help)(
        click.argument("journey_id", metavar="ID", type=int)(with_settings(_status_command(_status, _verb))))


@journeys_group.command("export", short_help="write a journey as TOML",
                        help="Write journey ID (its settings and current steps) as TOML to standard output or --output.")
@click.argument("journey_id", metavar="ID", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="write to this file")
@with_settings
def export_command(settings: Settings, journey_id: int, output: Path | None) -> int:
    with _session(settings) as session:
        text = tomli_w.dumps(export_dict(session, _journey(session, journey_id)), multiline_strings=True)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return 0


@journeys_group.command("import", short_help="create or update a journey from TOML",
                        help="Read a journey from the TOML FILE: a new name creates a draft; an existing name gets "
                             "the file's settings and, if the steps changed, a new version (customers inside stay on "
                             "theirs). Every error names the step and the field; nothing is saved unless all is right.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--activate", is_flag=True, help="switch the journey on after importing it")
@with_settings
def import_command(settings: Settings, file: Path, activate: bool) -> int:
    try:
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file}: not valid TOML: {error}") from None
    try:
        with _session(settings) as session:
            existing = session.scalar(select(Journey).where(Journey.name == data.get("name")))
            journey = save_journey(session, data, utcnow(), journey=existing)
            if activate:
                set_status(session, journey, "active", utcnow())
            print(f"journey {journey.id} ({journey.name}) {'updated' if existing else 'created'}, {journey.status}")
    except JourneyError as error:  # the session rolled back: nothing of the file was saved
        for problem in error.problems:
            click.echo(f"{file}: {problem}", err=True)
        return 1
    return 0
