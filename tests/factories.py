"""Small factory functions that build practice data through the real action functions."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone

from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.practice import actions
from alliance.web.practice.models import Client, Episode, Session

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


def make_organisation(name: str = "Practice") -> Organisation:
    n = next(_counter)
    return Organisation.objects.create(name=f"{name} {n}", slug=f"org-{n}", client_code_prefix="T")


def make_user(
    org: Organisation | None,
    role: str,
    *,
    username: str | None = None,
    supervisor=None,
    kind: str = "",
) -> User:
    n = next(_counter)
    user = User(
        username=username or f"{role}-{n}",
        first_name=role.title(),
        last_name=f"Person{n}",
        organisation=org,
        role=role,
        practitioner_kind=kind or ("therapist" if role == Role.PRACTITIONER else ""),
        supervisor=supervisor,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_totp_device(user: User):
    """Return the user's confirmed authenticator-app device, creating one if needed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def pass_second_factor(test_client, user: User) -> None:
    """Mark a logged-in test client's session as verified when `user` has or needs 2FA."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from alliance.web.security import policy

    if not (policy.requires_two_factor(user) or policy.is_enrolled(user)):
        return
    device = make_totp_device(user)
    session = test_client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    policy.remember_state(session, user)
    session.save()


def make_client(practitioner: User, **fields) -> Client:
    return actions.create_client(practitioner, **fields)


def make_episode(
    client: Client, *, practitioner: User | None = None, started_on: dt.date | None = None, **fields
) -> Episode:
    practitioner = practitioner or client.practitioner
    fields.setdefault("service", "therapy")
    return actions.start_episode(
        practitioner,
        client,
        started_on=started_on or timezone.localdate() - dt.timedelta(days=60),
        **fields,
    )


def make_session(
    episode: Episode, *, days_after_start: int = 1, note: str = "", **fields
) -> Session:
    starts_at = timezone.make_aware(
        dt.datetime.combine(
            episode.started_on + dt.timedelta(days=days_after_start), dt.time(10, 0)
        )
    )
    return actions.record_session(
        episode.practitioner, episode, starts_at=starts_at, note=note, **fields
    )


@dataclass
class World:
    """Named personas and the records they should or should not see."""

    org: Organisation
    other_org: Organisation
    owner: User
    colleague: User
    supervisor: User
    researcher: User
    admin: User
    outsider: User
    outsider_admin: User
    client: Client
    episode: Episode
    session: Session
    colleague_client: Client
    colleague_episode: Episode
    colleague_session: Session
    foreign_client: Client
    foreign_episode: Episode
    foreign_session: Session
    extras: dict

    def personas(self) -> dict[str, User | None]:
        return {
            "owner": self.owner,
            "colleague": self.colleague,
            "supervisor": self.supervisor,
            "researcher": self.researcher,
            "admin": self.admin,
            "outsider": self.outsider,
            "anonymous": None,
        }


def build_world() -> World:
    org = make_organisation("Riverside")
    other_org = make_organisation("Elsewhere")
    supervisor = make_user(org, Role.SUPERVISOR)
    owner = make_user(org, Role.PRACTITIONER, supervisor=supervisor)
    colleague = make_user(org, Role.PRACTITIONER)
    researcher = make_user(org, Role.RESEARCHER)
    admin = make_user(org, Role.ADMIN)
    outsider = make_user(other_org, Role.PRACTITIONER)
    outsider_admin = make_user(other_org, Role.ADMIN)

    client = make_client(owner, name="Owner Clientname")
    episode = make_episode(client, referral_reason="owner-referral-secret")
    session = make_session(episode, note="owner-note-secret")
    colleague_client = make_client(colleague, name="Colleague Clientname")
    colleague_episode = make_episode(colleague_client, referral_reason="colleague-referral-secret")
    colleague_session = make_session(colleague_episode, note="colleague-note-secret")
    foreign_client = make_client(outsider, name="Foreign Clientname", code="FOREIGN-1")
    foreign_episode = make_episode(foreign_client, referral_reason="foreign-referral-secret")
    foreign_session = make_session(foreign_episode, note="foreign-note-secret")
    extras = {
        kind: measures_for(sess)
        for kind, sess in (
            ("own", session),
            ("colleague", colleague_session),
            ("foreign", foreign_session),
        )
    }
    return World(
        org,
        other_org,
        owner,
        colleague,
        supervisor,
        researcher,
        admin,
        outsider,
        outsider_admin,
        client,
        episode,
        session,
        colleague_client,
        colleague_episode,
        colleague_session,
        foreign_client,
        foreign_episode,
        foreign_session,
        extras,
    )


PRACTITIONER_RATING = {"1": 7, "2": 8, "3": 9, "4": 8, "5": 0}


def measures_for(session: Session) -> dict:
    """A check (with its token), a practitioner rating and the plan lines of `session`."""
    from alliance.web.measures import actions as measure_actions

    practitioner = session.episode.practitioner
    check, token = measure_actions.create_check(practitioner, session)
    response = measure_actions.record_practitioner_rating(
        practitioner, session, PRACTITIONER_RATING
    )
    return {
        "check": check,
        "token": token,
        "response": response,
        "plan_item": session.episode.plan_items.first(),
    }
