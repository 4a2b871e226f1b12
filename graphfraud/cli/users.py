"""``graphfraud users add|list|remove|passwd``: the accounts of ``graphfraud serve``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from graphfraud.web.accounts import ROLES

if TYPE_CHECKING:
    from graphfraud.web.accounts import UserStore

#: The most a password read from stdin may hold (characters); longer ones are refused
#: by the store with a clear message rather than read without end.
_STDIN_LIMIT = 4096


@click.group("users")
@click.option("--users-file", type=click.Path(dir_okay=False),
              help="The users file [default: $GRAPHFRAUD_USERS, else "
              "$XDG_CONFIG_HOME/graphfraud/users.json, else "
              "~/.config/graphfraud/users.json].")
@click.pass_context
def users_group(ctx: click.Context, users_file: str | None) -> None:
    """Add, list and remove the accounts that may sign in to `graphfraud serve`.

    Roles: viewer (reads cases), analyst (also records verdicts and assigns rings),
    lead (everything an analyst may; admin pages). Passwords are stored as argon2id
    hashes in an owner-only file (0600); they are read from stdin or a hidden prompt,
    never from an argument or the environment.

    Example:

    \b
        graphfraud users add ann --role analyst
        graphfraud users add bob --role viewer --password-stdin < bob.pw
        graphfraud users list
    """
    ctx.meta[_FILE_KEY] = users_file


_FILE_KEY = "graphfraud.users_file"


def _store(ctx: click.Context) -> UserStore:
    from graphfraud.web.accounts import UserStore, default_users_path

    users_file = ctx.meta.get(_FILE_KEY)
    return UserStore(Path(users_file) if users_file else default_users_path())


def _password(from_stdin: bool, prompt: str) -> str:
    """The password from stdin (one line) or, on a terminal, typed twice unseen."""
    from graphfraud.errors import UsageError

    stdin = sys.stdin
    if from_stdin:
        text = stdin.read(_STDIN_LIMIT + 3)
        if len(text) > _STDIN_LIMIT + 2:
            raise UsageError(f"--password-stdin: more than {_STDIN_LIMIT} characters")
        line = text.removesuffix("\n").removesuffix("\r")
        if "\n" in line or "\r" in line:
            raise UsageError("--password-stdin takes one line; stdin holds several")
        if not line:
            raise UsageError("--password-stdin: stdin is empty")
        return line
    if not _on_terminal(stdin):
        raise UsageError("give the password on stdin with --password-stdin (no terminal "
                         "to prompt on)")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))


def _on_terminal(stream: TextIO) -> bool:
    return stream.isatty()


_password_stdin_option = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from stdin (one line). Without it, a terminal prompts twice.")


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="viewer reads; analyst also records verdicts and assigns; lead also "
              "admin pages.")
@_password_stdin_option
@click.pass_context
def add_cmd(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Add the account NAME (1-64 letters, digits and ._-@) with a password of at
    least 12 characters.

    Example:

        graphfraud users add ann --role analyst --password-stdin < ann.pw
    """
    from graphfraud.errors import UsageError
    from graphfraud.terminal import shown
    from graphfraud.web.accounts import check_name

    store = _store(ctx)
    check_name(name)  # before asking for a password
    if store.get(name) is not None:
        raise UsageError(f"a user named {name} already exists")
    user = store.add(name, role, _password(password_stdin, "Password"))
    click.echo(f"added {shown(user.name)} ({user.role})")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {name, role, created_at}.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """List the accounts: name, role and when each was created (UTC).

    Example:

        graphfraud users list --json
    """
    import json

    from graphfraud.terminal import shown

    store = _store(ctx)
    users = store.list()
    if as_json:
        click.echo(json.dumps([{"name": u.name, "role": u.role, "created_at": u.created_at}
                               for u in users], indent=2, ensure_ascii=False))
        return
    if not users:
        click.echo(f"no users in {shown(store.path)}", err=True)
        return
    width = max(4, *(len(shown(u.name)) for u in users))
    click.echo(f"{'name':<{width}}  {'role':<7}  created")
    for u in users:
        click.echo(f"{shown(u.name):<{width}}  {u.role:<7}  {u.created_at}")


@users_group.command("remove")
@click.argument("name")
@click.pass_context
def remove_cmd(ctx: click.Context, name: str) -> None:
    """Remove the account NAME; its open sessions end at their next request.

    Example:

        graphfraud users remove ann
    """
    from graphfraud.terminal import shown

    _store(ctx).remove(name)
    click.echo(f"removed {shown(name)}")


@users_group.command("passwd")
@click.argument("name")
@_password_stdin_option
@click.pass_context
def passwd_cmd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Give the account NAME a new password (at least 12 characters).

    Example:

        graphfraud users passwd ann --password-stdin < ann.pw
    """
    from graphfraud.errors import UsageError
    from graphfraud.terminal import shown

    store = _store(ctx)
    if store.get(name) is None:  # before asking for a password
        raise UsageError(f"no user named {shown(name)} in {store.path}")
    store.set_password(name, _password(password_stdin, "New password"))
    click.echo(f"password changed for {shown(name)}")
