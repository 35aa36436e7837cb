"""Create the database cache's table, which the intake rate limit shares between workers."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

# settings.CACHE_TABLE at the time of writing; a migration keeps its own copy.
CACHE_TABLE = "alliance_cache"


def create_cache_table(apps, schema_editor):
    # Created whatever ALLIANCE_CACHE_URL says now, so that switching back from Redis to the
    # default needs no extra step.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_journal_selfcare_practice_page_intake")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
