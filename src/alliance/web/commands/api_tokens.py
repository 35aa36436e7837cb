"""`alliance api-token create|list|revoke`: manage API tokens from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from alliance.web.bootstrap import setup_django

console = Console()
err = Console(stderr=True)
app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


@app.command("create")
def create_command(
    username: Annotated[str, typer.Argument(help="The member of staff the token acts as.")],
    scope: Annotated[
        list[str], typer.Option("--scope", help="A scope (repeatable), e.g. read, sessions:write.")
    ],
    days: Annotated[int, typer.Option(help="Days until the token expires (1–365).")] = 90,
    service: Annotated[
        bool, typer.Option("--service", help="A service token (e.g. an integration account).")
    ] = False,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Create a token for USERNAME and print its secret once."""

    setup_django()
    from django.core.exceptions import ValidationError

    from alliance.web.accounts.models import User
    from alliance.web.api.actions import create_token
    from alliance.web.api.models import TokenKind

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(f"No user {username!r}.")
        raise typer.Exit(2)
    kind = TokenKind.SERVICE if service else TokenKind.PERSONAL
    try:
        # The operator at the command line (actor None) may create either kind.
        token, secret = create_token(
            None, user, scopes=scope, days=days, name=name or "command line", kind=kind
        )
    except ValidationError as exc:
        err.print("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
        raise typer.Exit(2) from exc
    # Standard output holds the secret alone, so that TOKEN=$(alliance api-token create …) works.
    err.print(f"Token {token.prefix}… for {user.username}, expires {token.expires_at:%Y-%m-%d}:")
    typer.echo(secret)


@app.command("list")
def list_command(
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's tokens (slug).")
    ] = None,
) -> None:
    """List tokens (never their secrets)."""

    setup_django()
    from alliance.web.api.models import ApiToken

    tokens = ApiToken.objects.select_related("user", "organisation").order_by("-created_at")
    if organisation:
        tokens = tokens.filter(organisation__slug=organisation)
    typer.echo("prefix\torganisation\tuser\tkind\tscopes\texpires\tlast used\tstate")
    for token in tokens:
        fields = (
            token.prefix,
            token.organisation.slug,
            token.user.username,
            token.kind,
            " ".join(token.scopes),
            f"{token.expires_at:%Y-%m-%d}",
            f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
            token.state,
        )
        typer.echo("\t".join(fields))


@app.command("revoke")
def revoke_command(prefix: Annotated[str, typer.Argument(help="The token's prefix.")]) -> None:
    """Revoke the token with PREFIX at once."""

    setup_django()
    from django.core.exceptions import ValidationError

    from alliance.web.api.actions import revoke_token
    from alliance.web.api.models import ApiToken

    token = ApiToken.objects.filter(prefix=prefix.rstrip("…").strip()).first()
    if token is None:
        err.print(f"No token with prefix {prefix!r}.")
        raise typer.Exit(2)
    try:
        revoke_token(None, token)
    except ValidationError as exc:
        err.print(" ".join(exc.messages))
        raise typer.Exit(2) from exc
    console.print(f"Token {token.prefix}… revoked.")
