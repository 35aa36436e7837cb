"""Take over the practice pages and intake requests from the journal app, tables and all.

The tables were created by journal's first migration and keep their names (`db_table`):
this migration only tells Django's state that the models now live here (journal's
0003 forgets them there), so `migrate` moves no data. The content types are relabelled so
that permissions already granted on the two models still apply.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import alliance.web.crypto

MOVED = ["intakerequest", "practicepage"]


def relabel_content_types(apps, schema_editor, old="journal", new="intake"):
    content_types = apps.get_model("contenttypes", "ContentType")
    using = schema_editor.connection.alias
    for model in MOVED:
        if content_types.objects.using(using).filter(app_label=new, model=model).exists():
            continue
        content_types.objects.using(using).filter(app_label=old, model=model).update(app_label=new)


def unrelabel_content_types(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="intake", new="journal")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_organisations_and_staff"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("journal", "0002_shared_cache_table_for_rate_limits"),
        ("practice", "0001_clients_episodes_phases_sessions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IntakeRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "public_id",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        ("name", alliance.web.crypto.EncryptedCharField(max_length=200)),
                        ("contact", alliance.web.crypto.EncryptedCharField(max_length=254)),
                        ("help_with", alliance.web.crypto.EncryptedTextField()),
                        ("preferred_times", alliance.web.crypto.EncryptedTextField(blank=True)),
                        (
                            "preferred_format",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("in_person", "In person"),
                                    ("video", "Video"),
                                    ("phone", "Phone"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "language",
                            models.CharField(
                                choices=[("en", "English"), ("de", "Deutsch")],
                                default="en",
                                max_length=10,
                            ),
                        ),
                        (
                            "service",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("therapy", "Therapy"),
                                    ("counselling", "Counselling"),
                                    ("career-coaching", "Career coaching"),
                                    ("personal-development", "Personal development coaching"),
                                    ("life-coaching", "Life coaching"),
                                    ("supervision", "Supervision"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("consent_to_contact", models.BooleanField(default=False)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting for a reply"),
                                    ("accepted", "Accepted"),
                                    ("declined", "Declined"),
                                ],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        ("decline_reason", alliance.web.crypto.EncryptedTextField(blank=True)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "episode",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="practice.episode",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.organisation",
                            ),
                        ),
                        (
                            "practitioner",
                            models.ForeignKey(
                                blank=True,
                                help_text="The practitioner whose page it came from; empty for the practice page.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "journal_intakerequest",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["organisation", "status"], name="intake_queue")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PracticePage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "public_id",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        ("headline", models.CharField(blank=True, max_length=160)),
                        (
                            "about",
                            models.TextField(blank=True, help_text="Who you are (Markdown)."),
                        ),
                        (
                            "approach",
                            models.TextField(blank=True, help_text="How you work (Markdown)."),
                        ),
                        ("services", models.CharField(blank=True, max_length=300)),
                        ("languages", models.CharField(blank=True, max_length=200)),
                        ("formats", models.CharField(blank=True, max_length=100)),
                        (
                            "fees",
                            models.TextField(blank=True, help_text="Fees and payment (Markdown)."),
                        ),
                        ("photo", models.BinaryField(blank=True, null=True)),
                        ("photo_type", models.CharField(blank=True, editable=False, max_length=40)),
                        ("published", models.BooleanField(default=False)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "member",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty for the practice's own page.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "journal_practicepage",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organisation", "member"),
                                name="one_practice_page_per_member",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("member__isnull", True)),
                                fields=("organisation",),
                                name="one_practice_page_per_organisation",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, unrelabel_content_types),
    ]
