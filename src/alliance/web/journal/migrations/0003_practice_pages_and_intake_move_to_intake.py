"""Hand the practice pages and intake requests over to the intake app, keeping the tables.

State only: the tables stay where they are, now named by the intake models' `db_table`
(intake's first migration takes the models over before this one forgets them here).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0002_shared_cache_table_for_rate_limits"),
        ("intake", "0001_practice_pages_and_intake_from_journal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="IntakeRequest"),
                migrations.DeleteModel(name="PracticePage"),
            ],
            database_operations=[],
        ),
    ]
