"""Re-encrypt every encrypted column with the primary data key."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction

from alliance.web.crypto import PREFIX, EncryptedTextField, rotate


def encrypted_fields():
    """Yield (model, [field names]) for every model with encrypted columns."""
    for model in apps.get_models():
        names = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        ]
        if names:
            yield model, names


def rotate_all(progress=None) -> dict[str, int]:
    """Rewrite each encrypted value with the first key; return counts per model."""
    counts: dict[str, int] = {}
    for model, names in encrypted_fields():
        label = model._meta.label
        changed = 0
        with transaction.atomic():
            # Read the raw ciphertext (the ORM would decrypt it) and write it back rotated.
            for pk, *values in _raw_rows(model, names):
                updates = {
                    name: rotate(value)
                    for name, value in zip(names, values, strict=True)
                    if value and value.startswith(PREFIX)
                }
                if updates:
                    _raw_update(model, pk, updates)
                    changed += 1
        counts[label] = changed
        if progress is not None:
            progress.print(f"rotated {label}")
    return counts


def _raw_rows(model, names: list[str]) -> list[tuple]:
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in [model._meta.pk.column, *names])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(model._meta.db_table)}")  # noqa: S608
        rows: list[tuple] = cursor.fetchall()
        return rows


def _raw_update(model, pk, updates: dict[str, str]) -> None:
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in updates)
    with connection.cursor() as cursor:
        # Identifiers come from model metadata; values are parameters.
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",  # noqa: S608
            [*updates.values(), pk],
        )
