"""The command line's app and what its commands share: one-line errors with exit codes, the spec argument, --set.

Nothing heavy is imported here or in the command modules: Prefect, GX, torch and pandas load inside the commands
that use them, so `synthfactory validate` answers a misspelled key in about a second.
"""

from __future__ import annotations

from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The synthfactory command line: check, preview and build a dataset, push a version, or check files.",
)
console = Console(stderr=True)
BAD_INPUT = 2
EVALUATION_REFUSED = 3  # the version was published, but its downstream evaluation kept LATEST where it was
SpecFile = Annotated[Path, typer.Argument(help="the dataset spec (YAML)")]
Overrides = Annotated[
    list[str] | None,
    typer.Option("--set", help="set a spec field for this run: key=value, the value as YAML (generator.rows=50)"),
]


def resolved_version(ref: str) -> str:
    """A version argument: a version's folder, or a dataset's LATEST read as the version it names."""
    from tasks.versions.read import resolve_latest

    try:
        return resolve_latest(ref)
    except FileNotFoundError as error:
        fail(str(error), BAD_INPUT)


VersionFolder = Annotated[
    str,
    typer.Argument(
        help="a published version's folder (path or URL), or <data_root>/<dataset>/LATEST", callback=resolved_version
    ),
]
DEFAULTED: list[str] = []  # the environment variables main() set, rather than the user


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr, the message printed as it is (a path may hold "[/red]"), then exit with code."""
    console.print(Text.assemble(("error: ", "bold red"), " ".join(message.split())), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def options_as(model, flags: dict[str, str], /, **values):
    """`model(**values)` for a command's options; a value the model refuses exits 2 naming the option
    (`flags`: the model's field -> the option that set it)."""
    from pydantic import ValidationError

    try:
        return model(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        fail(f"{flags.get(field, field)}: {first['msg']}", BAD_INPUT)


def opened(reader, ref: str):
    """A published version read by `reader`, or exit 2 naming what is not a version or the file that is damaged."""
    from tasks.versions.store import VersionDamaged

    try:
        return reader(ref)
    except (FileNotFoundError, VersionDamaged) as error:
        fail(str(error), BAD_INPUT)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"synthfactory {package_version('synthfactory')}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    pass
