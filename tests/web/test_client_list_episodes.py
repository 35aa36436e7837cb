"""The clients list's "Episodes" column counts episodes, not sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from alliance.web.practice import actions
from tests.factories import make_client, make_episode, make_organisation, make_session, make_user

pytestmark = pytest.mark.django_db


def test_episodes_column_counts_episodes_not_sessions(client):
    org = make_organisation()
    therapist = make_user(org, "practitioner")
    person = make_client(therapist)
    first = make_episode(person)
    for day in (1, 8, 15):
        make_session(first, days_after_start=day)
    actions.end_episode(
        therapist, first, ended_on=first.started_on + dt.timedelta(days=20), ending_type="planned"
    )
    second = make_episode(person)
    make_session(second, days_after_start=40)
    client.force_login(therapist)
    html = client.get(reverse("client_list")).content.decode()
    row = re.search(rf">{person.code}</a></th>.*?</tr>", html, re.S).group(0)
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    assert cells == ["2"]
