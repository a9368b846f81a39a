"""Single sign-on rules: who a verified identity is here, and what the provider's claims say about their
unit and roles."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from elearn.config import ConfigurationError
from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role, User, UserRole
from elearn.modules.outbox.services import absolute_url, queue_message
from elearn.modules.sso.provider import SignOnFailed
from elearn.modules.units.models import Unit

log = logging.getLogger("elearn.sso")


#: User.name's column length: a longer name from the provider is cut, not refused.
NAME_LENGTH = 200


class AccountRefused(SignOnFailed):
    status = 403


@dataclass(frozen=True)
class Identity:
    """What a verified ID token says about a person. groups is None when the provider says nothing
    about roles (no role claim configured, or the claim is absent or could not be read).
    email_verified is True only when the provider said so (true or "true")."""

    subject: str
    email: str
    email_verified: bool = False
    name: str | None = None
    unit_code: str | None = None
    groups: frozenset[str] | None = None


@dataclass(frozen=True)
class Policy:
    create_users: bool = True
    #: The provider's addresses are the organisation's own: an unverified one is trusted too.
    trust_email: bool = False
    unit_claim: str | None = None
    role_claim: str | None = None
    role_map: Mapping[str, Role] | None = None

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(create_users=config["OIDC_CREATE_USERS"], trust_email=config["OIDC_TRUST_EMAIL"],
                   unit_claim=config["OIDC_UNIT_CLAIM"],
                   role_claim=config["OIDC_ROLE_CLAIM"],
                   role_map=parse_role_map(config["OIDC_ROLE_MAP"] or ""))


def parse_role_map(text: str) -> dict[str, Role]:
    """"group=role,group=role" as a mapping; raises ConfigurationError for a malformed pair or an
    unknown role (checked when the app starts)."""
    mapping = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        group, sep, role = pair.rpartition("=")
        if not sep or not group.strip() or role.strip() not in Role._value2member_map_:
            raise ConfigurationError(f"ELEARN_OIDC_ROLE_MAP: {pair!r} is not group=learner|coordinator|admin")
        mapping[group.strip()] = Role(role.strip())
    return mapping


def _groups(claims: Mapping, claim: str) -> frozenset[str] | None:
    """The group names in the claim (a list, even empty, or one space-separated string); None when the
    claim is absent or unreadable, e.g. left out for being too many (Azure AD's "group overage"), so
    roles stay as they are rather than everyone becoming a learner."""
    value = claims.get(claim)
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, (list, tuple)):
        return frozenset(str(item) for item in value)
    overage = claims.get("_claim_names")
    why = "too many groups" if isinstance(overage, dict) and claim in overage else "absent or unreadable"
    log.warning("sso role claim %r not in the token (%s); roles unchanged", claim, why)
    return None


def _verified(value) -> bool:
    """email_verified read strictly: only a JSON true (or the string "true" some providers send)."""
    return value is True or value == "true"


def _unconfirmed_email() -> SignOnFailed:
    return SignOnFailed(_l("The sign-in service did not give a confirmed e-mail address, so we "
                           "cannot tell who you are here. Please tell an administrator."))


def identity(claims: Mapping, policy: Policy) -> Identity:
    """The identity in verified ID token claims; raises SignOnFailed without a usable e-mail address."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise _unconfirmed_email()
    try:
        email = accounts.normalize_email(email)
    except DomainError as error:
        raise SignOnFailed(error.message) from error
    return Identity(
        subject=str(claims["sub"]), email=email, email_verified=_verified(claims.get("email_verified")),
        name=_text(claims.get("name"), NAME_LENGTH),
        unit_code=_text(claims.get(policy.unit_claim)) if policy.unit_claim else None,
        groups=_groups(claims, policy.role_claim) if policy.role_claim else None)


def _text(value, length: int = 255) -> str | None:
    """A claim's value as stripped text of at most length characters; None when absent, empty or not
    a single value."""
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value).strip()[:length] or None
    return None


def _email_trusted(person: Identity, policy: Policy) -> bool:
    """Whether person's e-mail address may pick an account (or name a new one): the provider
    verified it, or the organisation controls every address the provider hands out."""
    return person.email_verified or policy.trust_email


def _find(person: Identity, policy: Policy) -> User | None:
    """The user linked to person's subject, else the one with their e-mail address when that address
    is trusted (raises SignOnFailed when it is not)."""
    user = db.session.scalar(select(User).where(User.sso_subject == person.subject))
    if user is not None:
        return user
    if not _email_trusted(person, policy):
        log.warning("sso sign-on of an unlinked subject with an unverified e-mail address; refused")
        raise _unconfirmed_email()
    user = accounts.find_user_by_email(person.email)
    if user is not None and user.sso_subject not in (None, person.subject):
        log.warning("sso subject differs from the one linked to user %s; refused", user.id)
        raise AccountRefused(_l("Your account here is linked to another identity at the "
                                "sign-in service. Please ask an administrator."))
    return user


def _unit_id(code: str | None, current: int | None) -> int | None:
    if code is None:
        return current
    unit = db.session.scalar(select(Unit).where(func.lower(Unit.code) == code.casefold()))
    if unit is None:
        log.warning("sso unit claim names unknown unit code %r; unit unchanged", code[:40])
        return current
    return unit.id


def _roles(person: Identity, policy: Policy, current: frozenset[Role]) -> frozenset[Role]:
    """The provider's roles replace the user's when the role claim holds a list; learner always."""
    if person.groups is None:
        return current or frozenset({Role.LEARNER})
    mapping = policy.role_map or {}
    return frozenset({Role.LEARNER} | {mapping[group] for group in person.groups if group in mapping})


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN, User.active, User.id != user.id)) or 0


def _keep_last_admin(user: User, roles: frozenset[Role]) -> frozenset[Role]:
    """roles, plus admin when they would take it from the last active administrator (nobody could then
    manage the site)."""
    if Role.ADMIN in roles or not user.has_role(Role.ADMIN) or _other_active_admins(user):
        return roles
    log.warning("sso role claim would remove the last active admin (user %s); admin kept", user.id)
    return roles | {Role.ADMIN}


def _refuse_closed(user: User) -> None:
    if user.anonymised_at is not None or not user.active:
        log.warning("sso sign-on refused for inactive user %s", user.id)
        raise AccountRefused(_l("This account is deactivated. If you think it should not be, ask "
                                "your training coordinator or an administrator."))


def _update(user: User, person: Identity, policy: Policy) -> None:
    if person.email != user.email and _email_trusted(person, policy):
        clash = accounts.find_user_by_email(person.email)
        if clash is None:
            user.email = person.email
        else:
            log.warning("sso e-mail of user %s is taken by user %s; e-mail unchanged", user.id, clash.id)
    if person.name:
        user.name = person.name


def sign_on(person: Identity, policy: Policy) -> User:
    """The user this identity signs on as, matched by subject, else by e-mail, else created (when the
    policy allows), with the unit and roles from the claims applied and the event audited (flushed).
    Raises AccountRefused for a deactivated or anonymised account, an unknown person when accounts
    are not created, or an e-mail already linked to another subject.

    Two first sign-ons of one person at once (two tabs, a double click) both try to create or link the
    account; the loser's unique-key conflict is rolled back and the account looked up once more."""
    try:
        with db.session.begin_nested():
            return _sign_on(person, policy)
    except IntegrityError:
        log.info("sso sign-on raced with another for the same person; looking the account up again")
    return _sign_on(person, policy)


def _sign_on(person: Identity, policy: Policy) -> User:
    user = _find(person, policy)
    created = user is None
    linked = not created and user.sso_subject is None
    if created:
        if not policy.create_users:
            raise AccountRefused(_l("There is no account for %(email)s here. Please ask your "
                                    "training coordinator or an administrator.", email=person.email))
        user = accounts.create_user(person.name or person.email, person.email,
                                    _roles(person, policy, frozenset()),
                                    unit_id=_unit_id(person.unit_code, None))
    else:
        _refuse_closed(user)
        _update(user, person, policy)
        user.unit_id = _unit_id(person.unit_code, user.unit_id)
        accounts.set_roles(user, _keep_last_admin(user, _roles(person, policy, user.roles)))
    user.sso_subject = person.subject
    db.session.flush()
    if linked:
        _tell_linked(user, person)
    record(user.id, "user.sso_sign_on", f"user:{user.id}", created=created,
           roles=sorted(user.roles), unit_id=user.unit_id)
    return user


def _tell_linked(user: User, person: Identity) -> None:
    """An existing account's first link to an identity at the provider: audited, and the person is
    told by e-mail (someone else's identity linked by mistake would otherwise go unnoticed)."""
    record(user.id, "user.sso_link", f"user:{user.id}", email_verified=person.email_verified)
    queue_message(user, "sso/mail/linked.txt", url=absolute_url("auth.account"))
