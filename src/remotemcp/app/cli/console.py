"""What the CLI says and reads: output on stdout, warnings and errors on stderr, passwords from
a prompt, standard input or (with a warning) the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import UTC, datetime


class CommandError(Exception):
    """A command could not do what was asked; nothing was changed. Exit status 1."""

    exit_status = 1


class SettingsError(CommandError):
    """The configuration cannot be used: a usage problem, like a bad option. Exit status 2."""

    exit_status = 2


def say(text: str = "") -> None:
    print(text, file=sys.stdout, flush=True)


def warn(text: str) -> None:
    print(f"remotemcp: warning: {text}", file=sys.stderr, flush=True)


def fail(text: str) -> None:
    print(f"remotemcp: error: {text}", file=sys.stderr, flush=True)


def timestamp(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    for row in (headers, *rows):
        say("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def add_password_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    source.add_argument(
        "--password",
        metavar="PASSWORD",
        help="the password itself; visible to other users and kept in shell history, so avoid it",
    )


def read_password(args: argparse.Namespace, *, prompt: str = "Password") -> str:
    """From --password (with a warning), --password-stdin, or an interactive prompt asked twice."""
    if args.password is not None:
        warn("a password on the command line is visible to other users (ps) and stays in shell history")
        return str(args.password)
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandError("--password-stdin: standard input is empty")
        return line.removesuffix("\n").removesuffix("\r")
    first = getpass.getpass(f"{prompt}: ")
    if getpass.getpass(f"{prompt} (again): ") != first:
        raise CommandError("the passwords do not match")
    return first
