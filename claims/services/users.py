"""Accounts, roles, sign-in with rate limiting, and per-user API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from claims.errors import N_, ClaimsError, InvalidInput, NotFound
from claims.models import ApiToken, LoginAttempt, Role, User, utcnow
from claims.services import audit
from claims.services.rows import get_or_404

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
MIN_PASSWORD = 10


class TooManyAttempts(ClaimsError):
    """Sign-in is locked for a while after repeated failures."""

    status = 429
    code = "too_many_attempts"


def _check_username(username: str) -> str:
    """Validate and normalise a username."""
    name = username.strip().lower()
    if not 2 <= len(name) <= 80 or not set(name) <= USERNAME_CHARS:
        raise InvalidInput(
            N_(
                "A username has 2–80 characters: lower-case letters, digits, dots, dashes"
                " or underscores."
            )
        )
    return name


def _check_role(role: str) -> str:
    """Accept only known roles."""
    if role not in set(Role):
        raise InvalidInput(N_("The role must be one of %(roles)s."), roles=", ".join(Role))
    return role


def _check_password(password: str) -> str:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(N_("A password needs at least %(n)s characters."), n=MIN_PASSWORD)
    return password


def get_user(session: Session, user_id: int) -> User:
    """Return a user or raise NotFound."""
    return get_or_404(session, User, user_id)


def find_user(session: Session, username: str) -> User | None:
    """Return the user with this username, if any."""
    return session.exec(select(User).where(User.username == username.strip().lower())).first()


def create_user(session: Session, username: str, password: str, role: str, actor: str) -> User:
    """Create an account with a hashed password."""
    name, role = _check_username(username), _check_role(role)
    if find_user(session, name) is not None:
        raise InvalidInput(N_("The username %(name)r is taken."), name=name)
    user = User(
        username=name, password_hash=generate_password_hash(_check_password(password)), role=role
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.create", "user", user.id, after={"username": name, "role": role}
    )
    session.commit()
    return user


def update_user(
    session: Session, user_id: int, actor: str, role: str | None = None, active: bool | None = None
) -> User:
    """Change a user's role or disable/enable them."""
    user = get_user(session, user_id)
    before = {"role": user.role, "active": user.active}
    if role is not None:
        user.role = _check_role(role)
    if active is not None:
        if not active and user.username == actor:
            raise InvalidInput(N_("You cannot disable your own account."))
        user.active = active
    session.add(user)
    after = {"role": user.role, "active": user.active}
    audit.record(session, actor, "user.update", "user", user.id, before=before, after=after)
    session.commit()
    return user


def set_locale(session: Session, user_id: int, locale: str | None, actor: str) -> User:
    """Save the interface language a user chose (None: follow the browser again)."""
    user = get_user(session, user_id)
    if user.locale != locale:
        before, user.locale = {"locale": user.locale}, locale
        session.add(user)
        audit.record(
            session, actor, "user.locale", "user", user.id, before=before, after={"locale": locale}
        )
        session.commit()
    return user


def list_users(session: Session) -> list[User]:
    """Return every account by name."""
    return list(session.exec(select(User).order_by(User.username)))


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """When sign-in is refused for a while: three separate counts of recent failures."""

    # For one account from one address: a person guessing.
    per_account_and_address: int = 5
    # For one account from this many addresses: guessing spread over several machines.
    account_addresses: int = 5
    # From one address, whatever the names tried: spraying. Higher, as colleagues behind one
    # office address share it.
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def _locked(session: Session, username: str, ip: str, limits: SignInLimits) -> bool:
    """Tell whether recent failures lock this name from this address.

    The counts are kept apart so that a flood from one address locks out only that address
    (and the names it tried from there), never an account signing in from elsewhere.
    """
    failed = sa.and_(
        LoginAttempt.success.is_(False), LoginAttempt.created_at >= utcnow() - limits.window
    )
    same_name, same_address = LoginAttempt.username == username, LoginAttempt.ip == ip
    query = select(
        sa.func.count().filter(same_address),
        sa.func.count().filter(same_address, same_name),
        sa.func.count(sa.distinct(LoginAttempt.ip)).filter(same_name),
    ).where(failed, sa.or_(same_name, same_address))
    from_address, pair, addresses = session.exec(query).one()
    return (
        (from_address or 0) >= limits.per_address
        or (pair or 0) >= limits.per_account_and_address
        or (addresses or 0) >= limits.account_addresses
    )


def authenticate(
    session: Session, username: str, password: str, ip: str, limits: SignInLimits | None = None
) -> User | None:
    """Check a password, refusing after too many recent failures; every attempt is recorded."""
    limits = limits or SignInLimits()
    name = username.strip().lower()[:80]
    if _locked(session, name, ip[:64], limits):
        minutes = int(limits.window.total_seconds() // 60)
        raise TooManyAttempts(
            N_("Too many failed sign-ins. Try again in %(minutes)s minutes."), minutes=minutes
        )
    user = find_user(session, name)
    ok = bool(user and user.active and check_password_hash(user.password_hash, password))
    session.add(LoginAttempt(username=name, ip=ip[:64], success=ok))
    session.commit()
    return user if ok else None


def _hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, user: User, name: str, actor: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create an API token and return it with its secret, which is shown only once."""
    label = name.strip()[:100]
    if not label:
        raise InvalidInput(N_("Give the token a name, such as the script that will use it."))
    secret = "ct_" + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days) if days else None
    token = ApiToken(
        user_id=user.id,
        name=label,
        token_hash=_hash_token(secret),
        prefix=secret[:10],
        expires_at=expires,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "token.create",
        "apitoken",
        token.id,
        after={"name": label, "user": user.username},
    )
    session.commit()
    return token, secret


def revoke_token(session: Session, token_id: int, user: User, actor: str) -> ApiToken:
    """Revoke a token; users revoke their own, admins anyone's."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and user.role != Role.ADMIN):
        raise NotFound(N_("There is no token with id %(id)s."), id=token_id)
    token.revoked_at = token.revoked_at or utcnow()
    session.add(token)
    audit.record(session, actor, "token.revoke", "apitoken", token.id, after={"name": token.name})
    session.commit()
    return token


def user_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """Return a user's tokens, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(session.exec(query))


def user_for_token(session: Session, secret: str) -> User | None:
    """Return the active user a live token belongs to, or None."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret))).first()
    now = utcnow()
    if token is None or token.revoked_at or (token.expires_at and token.expires_at <= now):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    token.last_used_at = now
    session.add(token)
    session.commit()
    return user
