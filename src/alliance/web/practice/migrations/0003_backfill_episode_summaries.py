"""Give every existing episode its summary (what `practice.summaries.refresh_all` does, written
with the historical models so that it keeps working as the app's code changes)."""

from django.db import migrations
from django.db.models import Count, Max, Q
from django.utils import timezone

# As in alliance.web.measures.episode_summary when this migration was written.
RECENT_INSTRUMENT = "alliance-check"
RECENT_SESSIONS = 12
CHUNK = 900


def backfill(apps, schema_editor):
    Episode = apps.get_model("practice", "Episode")
    Session = apps.get_model("practice", "Session")
    EpisodeSummary = apps.get_model("practice", "EpisodeSummary")
    MeasureResponse = apps.get_model("measures", "MeasureResponse")
    db = schema_editor.connection.alias
    now = timezone.now()
    episodes = list(Episode.objects.using(db).order_by("pk").values_list("pk", "organisation_id"))
    for start in range(0, len(episodes), CHUNK):
        chunk = dict(episodes[start : start + CHUNK])
        sessions = {
            pk: (n, last)
            for pk, n, last in Session.objects.using(db)
            .filter(episode_id__in=chunk)
            .values("episode_id")
            .annotate(n=Count("id"), last=Max("starts_at"))
            .values_list("episode_id", "n", "last")
        }
        recent = {pk: [] for pk in chunk}
        critical = dict.fromkeys(chunk, 0)
        for episode_id, instrument_id, rater, total, is_critical, acknowledged in (
            MeasureResponse.objects.using(db)
            .filter(session__episode_id__in=chunk)
            .filter(
                Q(instrument_id=RECENT_INSTRUMENT, rater="client", total__isnull=False)
                | Q(critical=True, critical_acknowledged_at__isnull=True)
            )
            .order_by("session__episode_id", "session__number")
            .values_list(
                "session__episode_id",
                "instrument_id",
                "rater",
                "total",
                "critical",
                "critical_acknowledged_at",
            )
        ):
            if instrument_id == RECENT_INSTRUMENT and rater == "client" and total is not None:
                recent[episode_id].append(total)
            if is_critical and acknowledged is None:
                critical[episode_id] += 1
        EpisodeSummary.objects.using(db).bulk_create(
            [
                EpisodeSummary(
                    episode_id=pk,
                    organisation_id=organisation_id,
                    session_count=sessions.get(pk, (0, None))[0],
                    last_session_at=sessions.get(pk, (0, None))[1],
                    alliance_recent=recent[pk][-RECENT_SESSIONS:],
                    critical_open=critical[pk],
                    refreshed_at=now,
                )
                for pk, organisation_id in chunk.items()
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_episode_summaries"),
        ("measures", "0002_held_check_answers"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
