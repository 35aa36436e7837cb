"""The caseload's risk column: order, traffic light, counts and a sparkline per episode.

One query whatever the caseload size: the active alerts the user may see. The sparklines draw
the client's recent alliance totals kept in each episode's summary (`practice.summaries`,
filled by measures), or read them when the caller has none. The order is the engine's ``risk_order``: critical
answers, open ruptures, not on track, weak (early) alliance, disagreement, missing checks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.monitoring import risk_ranks
from alliance.web.accounts.models import User
from alliance.web.charts import sparkline
from alliance.web.insights.access import alerts_for_user
from alliance.web.insights.models import INFORMATION, AlertState, AlertType
from alliance.web.measures import answers

SPARK_INSTRUMENT = "alliance-check"
SPARK_SESSIONS = 12
LIGHT_LABELS = {"red": "needs attention now", "amber": "keep an eye on", "green": "no open signal"}


@dataclass
class Risk:
    rank: int
    light: str
    light_label: str
    labels: list[str]
    sparkline: str


def active_alerts_filter(now=None) -> Q:
    """Alerts that count: open, acknowledged, or snoozed past their end."""
    now = now or timezone.now()
    return Q(state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED]) | (
        Q(state=AlertState.SNOOZED) & (Q(snoozed_until__lte=now) | Q(snoozed_until__isnull=True))
    )


def open_alert_count(user: User, now=None) -> int:
    """Count the alerts that need the user's attention: the one number the inbox, the
    caseload and self-care all show (``Alert.effective_state`` open or acknowledged;
    information, such as an early alliance in the practice's lowest quarter, is no alert)."""
    return (
        alerts_for_user(user)
        .filter(active_alerts_filter(now))
        .exclude(severity=INFORMATION)
        .count()
    )


def caseload_risk(user: User, episodes, alliance_recent=None) -> dict[int, Risk]:
    """Return each episode's risk (by episode pk); episodes keep their order on ties.

    ``alliance_recent`` maps an episode's pk to the client's last alliance totals (oldest
    first), as the episode summaries keep them; without it they are read here.
    """
    ids = [e.pk for e in episodes]
    if not ids:
        return {}
    rows = list(
        alerts_for_user(user)
        .filter(active_alerts_filter(), episode_id__in=ids)
        .values_list("episode_id", "type")
    )
    open_types: dict[str, list[str]] = defaultdict(list)
    for episode_id, type_ in rows:
        open_types[str(episode_id)].append(type_)
    order = risk_ranks(open_types, [str(i) for i in ids])
    spark = alliance_recent if alliance_recent is not None else _alliance_recent(ids)
    types = defaultdict(list)
    for episode_id, type_ in rows:
        types[episode_id].append(type_)
    labels = dict(AlertType.choices)
    light_labels = {light: _(label) for light, label in LIGHT_LABELS.items()}
    spark_label = _("Alliance over the last %(n)s sessions: %(values)s")
    out = {}
    for episode, (rank, light) in order.items():
        pk = int(episode)
        values = spark.get(pk, [])[-SPARK_SESSIONS:]
        out[pk] = Risk(
            rank=rank,
            light=light,
            light_label=light_labels[light],
            labels=sorted({str(labels[t]) for t in types.get(pk, [])}),
            sparkline=sparkline(
                values,
                y_min=0,
                y_max=10,
                label=spark_label
                % {"n": len(values), "values": ", ".join(f"{v:g}" for v in values)},
            )
            if values
            else "",
        )
    return out


def _alliance_recent(ids: list[int]) -> dict[int, list[float]]:
    spark: dict[int, list[float]] = defaultdict(list)
    for episode_id, _instrument, _rater, _number, total in answers.totals_by_session(
        ids, [SPARK_INSTRUMENT], rater=answers.Rater.CLIENT
    ):
        assert total is not None  # total__isnull=False
        spark[episode_id].append(total)
    return spark


def sort_by_risk(episodes: list, risk: dict[int, Risk]) -> list:
    """Return episodes with open signals first (engine order), the rest in their order."""

    def key(item):
        index, episode = item
        r = risk.get(episode.pk)
        if r is None or r.light == "green":
            return (1, index)
        return (0, r.rank)

    return [e for _i, e in sorted(enumerate(episodes), key=key)]
