"""The root CLI registers only the command it runs; its table of commands stays exact."""

from __future__ import annotations

import importlib

import pytest
import typer
from typer.main import get_command

from cli import app as root


def _names(app: typer.Typer) -> set[str]:
    group = get_command(app)
    return set(group.commands)  # type: ignore[attr-defined]


def test_the_command_table_names_every_command_the_full_app_registers() -> None:
    assert _names(root.build()) == set(root.COMMANDS) | set(root.GROUPS)


@pytest.mark.parametrize("module", root.MODULES)
def test_each_module_registers_exactly_the_commands_the_table_gives_it(module: str) -> None:
    app = typer.Typer()
    importlib.import_module(f"cli.commands.{module}").register(app)
    mine = {name for name, owner in root.COMMANDS.items() if owner == module}
    app.callback()(lambda: None)
    assert _names(app) == mine


@pytest.mark.parametrize("command", sorted(root.COMMANDS))
def test_a_command_run_alone_is_the_same_command_as_in_the_full_app(command: str) -> None:
    alone = get_command(root.build(command)).commands[command]  # type: ignore[attr-defined]
    full = get_command(root.build()).commands[command]  # type: ignore[attr-defined]
    assert [p.name for p in alone.params] == [p.name for p in full.params]
    assert alone.help == full.help


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["actor", "Kremlin", "--format", "json"], "actor"),
        (["--db", "x.db", "actor", "Kremlin"], "actor"),
        (["--db=x.db", "--as", "me", "append", "-"], "append"),
        (["--db", "actor", "log"], "log"),  # an option's value is not the command
        (["export", "ndjson"], "export"),
        ([], None),
        (["--help"], None),
        (["-h", "actor"], None),
        (["--version"], None),
        (["actr", "Kremlin"], None),  # a mistyped command: the full app says so
    ],
)
def test_the_command_is_read_from_the_arguments(argv: list[str], command: str | None) -> None:
    assert root.command_of(argv) == command


def test_completion_needs_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_TIMELINE_COMPLETE", "complete_bash")
    assert root.command_of(["actor"]) is None
