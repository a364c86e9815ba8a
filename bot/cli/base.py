"""What every command shares: the group class, the settings a command runs with, and signals.

Settings are loaded when a command runs, not when the line is parsed, so `--help` and a bad
option answer even while a setting is wrong, and a wrong setting stops a command with one line
naming the key.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from bot.config import ConfigError, Settings, load_settings

PROG_NAME = "python -m bot"


@dataclass
class CliState:
    """The context object: the `--config` path, and the settings once loaded (tests pass them in)."""

    config: str | None = None
    settings: Settings | None = None


class BotGroup(click.Group):
    """A group that lists its commands in the order they were added and reports a bad command
    line in one line with exit code 2, the way an operator reading a log wants it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run in click's non-standalone mode and do the reporting here; always exits."""
        try:
            code = super().main(args, prog_name or PROG_NAME, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # a group with no command: its help, as an error
            click.echo(exc.format_message(), err=True)
            sys.exit(2)
        except click.UsageError as exc:
            path = exc.ctx.command_path if exc.ctx is not None else PROG_NAME
            message = " ".join(exc.format_message().split())  # click lists choices on lines of their own
            click.echo(f"{path}: error: {message} (see `{path} --help`)", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def settings_of(ctx: click.Context) -> Settings:
    """The settings for this run, loaded once; a bad setting ends the command with exit code 2."""
    state = ctx.ensure_object(CliState)
    if state.settings is None:
        try:
            state.settings = load_settings(state.config)
        except ConfigError as exc:
            click.echo(f"configuration error: {exc}", err=True)
            ctx.exit(2)
    assert state.settings is not None
    return state.settings


def with_settings(func: Callable[..., int]) -> Callable[..., None]:
    """Turn `func(settings, **options) -> exit code` into a click callback."""

    @functools.wraps(func)
    def run(**options: Any) -> None:
        ctx = click.get_current_context()
        ctx.exit(func(settings_of(ctx), **options))

    return run


def on_terminate(callback: Callable[[], Any], *, also_interrupt: bool = False) -> None:
    """Run `callback` on SIGTERM (and on SIGINT, Ctrl+C, instead of KeyboardInterrupt when asked)."""
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT) if also_interrupt else (signal.SIGTERM,):
            signal.signal(number, lambda *_: callback())
