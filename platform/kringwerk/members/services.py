"""Business rules for members: companies and their contact persons, and the
rules on their values (KvK number, postcode, website, e-mail). Business parks,
circles and themes are in ``groupings``, the directory query in ``directory``.

Every function works inside the tenant in scope and without a request; those
that change data take the ``actor`` for the audit trail and record the action
in the same transaction. Nothing here commits: the caller (a view, a job, a
CLI command) decides when the unit of work ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kringwerk.accounts.models import Membership, User
from kringwerk.audit.services import forget_person, record
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson, Theme
from kringwerk.pluginhost import all_hooks
from kringwerk.tenancy.models import Tenant

# --- errors and normalisation ---------------------------------------------------------


class MembersError(ValueError):
    """A change that cannot be made. ``errors`` maps field names (``None`` for the
    whole form) to messages meant for the user."""

    def __init__(self, message: Any = None, field: str | None = None, *, errors=None) -> None:
        self.errors: dict[str | None, Any] = dict(errors) if errors else {field: message}
        super().__init__("; ".join(str(m) for m in self.errors.values()))

    @property
    def message(self) -> Any:
        return next(iter(self.errors.values()))


COMPANY_FIELDS = (
    "name",
    "kvk_number",
    "sector",
    "employees",
    "street",
    "postcode",
    "city",
    "website",
    "email",
    "phone",
)
CONTACT_FIELDS = ("name", "job_title", "email", "phone")
MAX_EMPLOYEES = 1_000_000

_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Za-z]{2})$")
_HOSTNAME = re.compile(r"^(?:[\w-]+\.)+[^\W\d_]{2,}$")


def _clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def normalise_kvk(value: Any) -> str | None:
    """``"12 34.56 78"`` -> ``"12345678"``; a KvK number has exactly eight digits."""
    text = re.sub(r"[\s.]", "", str(value or ""))
    if not text:
        return None
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise MembersError(_l("A KvK number has exactly 8 digits, such as 12345678."), "kvk_number")
    return text


def normalise_postcode(value: Any) -> str | None:
    """A Dutch postcode, written the standard way: ``"1234ab"`` -> ``"1234 AB"``."""
    text = _clean_text(value)
    if text is None:
        return None
    match = _POSTCODE.match(text)
    if not match or not text.isascii():
        raise MembersError(_l("Enter a Dutch postcode such as 1234 AB."), "postcode")
    return f"{match.group(1)} {match.group(2).upper()}"


def normalise_website(value: Any) -> str | None:
    """An http(s) address; ``www.example.nl`` gets ``https://`` in front."""
    text = str(value or "").strip()
    if not text:
        return None
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = "https://" + text
    error = MembersError(_l("Enter a website address such as www.example.nl."), "website")
    if any(character.isspace() for character in text):
        raise error
    try:
        parts = urlsplit(text)
        hostname = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise error from None
    # Only http(s): the address becomes a link, and javascript: or data: must never do.
    if parts.scheme.lower() not in ("http", "https") or not _HOSTNAME.match(hostname):
        raise error
    return text


def normalise_email(value: Any, field: str = "email") -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise MembersError(_l("Enter an e-mail address such as name@example.nl."), field) from None


def normalise_employees(value: Any) -> int | None:
    """A whole number of people, 0 or more."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[0-9]+", text):
            raise MembersError(_l("Enter the number of employees as a whole number, 0 or more."), "employees")
        number = int(text)
    if number < 0 or number > MAX_EMPLOYEES:
        raise MembersError(_l("Enter the number of employees as a whole number, 0 or more."), "employees")
    return number


def _max_length(model, field: str) -> int | None:
    return getattr(model.__table__.c[field].type, "length", None)


def _check_lengths(model, cleaned: dict, errors: dict) -> None:
    for field, value in cleaned.items():
        limit = _max_length(model, field)
        if isinstance(value, str) and limit and len(value) > limit and field not in errors:
            errors[field] = _l("Use at most %(count)s characters.", count=limit)


def clean_company_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise the company fields present in ``values``; raise ``MembersError``
    with every field's problem at once."""
    unknown = set(values) - set(COMPANY_FIELDS)
    if unknown:
        raise ValueError(f"unknown company fields: {sorted(unknown)}")
    normalisers = {
        "kvk_number": normalise_kvk,
        "employees": normalise_employees,
        "postcode": normalise_postcode,
        "website": normalise_website,
        "email": normalise_email,
    }
    cleaned: dict[str, Any] = {}
    errors: dict[str | None, Any] = {}
    for field, value in values.items():
        try:
            cleaned[field] = normalisers.get(field, _clean_text)(value)
        except MembersError as error:
            errors[field] = error.message
    if "name" in values and not cleaned.get("name") and "name" not in errors:
        errors["name"] = _l("Enter the company name.")
    _check_lengths(Company, cleaned, errors)
    if errors:
        raise MembersError(errors=errors)
    return cleaned


@contextmanager
def _refused_by_database(field: str, message):
    """Turn a unique-constraint failure (another request won a race past our own
    check) into the same message the check gives."""
    try:
        yield
    except IntegrityError:
        raise MembersError(message, field) from None


def company_with_kvk(kvk_number: str | None, *, exclude: Company | None = None) -> Company | None:
    if not kvk_number:
        return None
    statement = select(Company).where(Company.kvk_number == kvk_number)
    if exclude is not None and exclude.id is not None:
        statement = statement.where(Company.id != exclude.id)
    return db.session.scalar(statement)


def _require_free_kvk(kvk_number: str | None, company: Company | None = None) -> None:
    owner = company_with_kvk(kvk_number, exclude=company)
    if owner is not None:
        raise MembersError(
            _l("KvK number %(kvk)s is already used by %(name)s.", kvk=kvk_number, name=owner.name),
            "kvk_number",
        )


# --- companies ------------------------------------------------------------------------

KEEP: Any = object()
"""Pass as a relation argument to leave it as it is."""


def merge_themes(current: Iterable[Theme], chosen: Iterable[Theme]) -> list[Theme]:
    """The themes a company ends up with: the chosen ones (only active themes may be
    chosen), plus the switched-off themes it already had - a deactivated theme is
    not offered in the form, and saving the form must not silently drop it."""
    current = list(current)
    chosen = list(dict.fromkeys(chosen))
    refused = [theme for theme in chosen if not theme.active and theme not in current]
    if refused:
        raise MembersError(
            _l("The theme “%(name)s” is switched off.", name=refused[0].name),
            "theme_ids",
        )
    kept = [theme for theme in current if not theme.active and theme not in chosen]
    return sorted([*chosen, *kept], key=lambda theme: (theme.position, theme.id or 0))


def _apply_relations(company: Company, business_park, circles, themes) -> None:
    if business_park is not KEEP:
        company.business_park = business_park
    if circles is not KEEP:
        company.circles = sorted(dict.fromkeys(circles), key=lambda circle: circle.name)
    if themes is not KEEP:
        company.themes = merge_themes(company.themes, themes)


def create_company(
    values: Mapping[str, Any],
    *,
    actor,
    business_park: BusinessPark | None = None,
    circles: Iterable[Circle] = (),
    themes: Iterable[Theme] = (),
) -> Company:
    cleaned = clean_company_values(values)
    if not cleaned.get("name"):
        raise MembersError(_l("Enter the company name."), "name")
    _require_free_kvk(cleaned.get("kvk_number"))
    company = Company(**cleaned)
    _apply_relations(company, business_park, circles, themes)
    db.session.add(company)
    with _refused_by_database("kvk_number", _l("This KvK number is already in use.")):
        db.session.flush()
    record("company.created", actor=actor, target=company, details={"kvk_number": company.kvk_number})
    return company


def update_company(
    company: Company,
    values: Mapping[str, Any],
    *,
    actor,
    business_park: BusinessPark | None = KEEP,
    circles: Iterable[Circle] = KEEP,
    themes: Iterable[Theme] = KEEP,
) -> Company:
    """Change the fields in ``values`` and the given relations; record what changed."""
    cleaned = clean_company_values(values)
    _require_free_kvk(cleaned.get("kvk_number"), company)
    changed = [field for field, value in cleaned.items() if getattr(company, field) != value]
    for field, value in cleaned.items():
        setattr(company, field, value)
    before = _relation_ids(company)
    _apply_relations(company, business_park, circles, themes)
    after = _relation_ids(company)
    changed += [name for name in before if before[name] != after[name]]
    with _refused_by_database("kvk_number", _l("This KvK number is already in use.")):
        db.session.flush()
    record("company.updated", actor=actor, target=company, details={"changed": changed})
    return company


def _relation_ids(company: Company) -> dict[str, Any]:
    return {
        "business_park": company.business_park.id if company.business_park else None,
        "circles": sorted(circle.id for circle in company.circles),
        "themes": sorted(theme.id for theme in company.themes),
    }


def delete_company(company: Company, *, actor) -> None:
    """Delete the company with its contact persons and its circle and theme links."""
    record(
        "company.deleted",
        actor=actor,
        target=company,
        details={"kvk_number": company.kvk_number, "contacts": len(company.contacts)},
    )
    tenant = db.session.get(Tenant, company.tenant_id)
    for contact in company.contacts:
        all_hooks().contact_removed(tenant=tenant, contact=contact)
    all_hooks().company_removed(tenant=tenant, company=company)
    db.session.delete(company)
    db.session.flush()


# --- contact persons -------------------------------------------------------------------


def clean_contact_values(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"unknown contact fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    errors: dict[str | None, Any] = {}
    for field, value in values.items():
        try:
            cleaned[field] = normalise_email(value) if field == "email" else _clean_text(value)
        except MembersError as error:
            errors[field] = error.message
    if "name" in values and not cleaned.get("name") and "name" not in errors:
        errors["name"] = _l("Enter the name of the contact person.")
    _check_lengths(ContactPerson, cleaned, errors)
    if errors:
        raise MembersError(errors=errors)
    return cleaned


def member_with_email(email: str | None) -> User | None:
    """The account with this e-mail address, if it is a member of the tenant in scope."""
    if not email:
        return None
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(func.lower(User.email) == email.strip().lower())
    )


def add_contact(company: Company, values: Mapping[str, Any], *, actor) -> ContactPerson:
    """Add a contact person; linked to the member account with the same e-mail, if any."""
    cleaned = clean_contact_values({"name": None, **values})
    user = member_with_email(cleaned.get("email"))
    contact = ContactPerson(company=company, user=user, **cleaned)
    db.session.add(contact)
    db.session.flush()
    record(
        "contact.created",
        actor=actor,
        target=contact,
        details={"company_id": company.id, "company": company.name, "user_id": contact.user_id},
    )
    return contact


def update_contact(contact: ContactPerson, values: Mapping[str, Any], *, actor) -> ContactPerson:
    cleaned = clean_contact_values(values)
    changed = [field for field, value in cleaned.items() if getattr(contact, field) != value]
    for field, value in cleaned.items():
        setattr(contact, field, value)
    contact.user = member_with_email(contact.email)
    db.session.flush()
    record(
        "contact.updated",
        actor=actor,
        target=contact,
        details={"company_id": contact.company_id, "changed": changed, "user_id": contact.user_id},
    )
    return contact


def delete_contact(contact: ContactPerson, *, actor) -> None:
    """Remove a contact person: their erasure, so the trail keeps them by number only."""
    forget_person(replacement=f"#{contact.id}", targets=[contact], addresses=[contact.email])
    record(
        "contact.deleted",
        actor=actor,
        target=contact,
        target_label=f"#{contact.id}",
        details={"company_id": contact.company_id, "company": contact.company.name},
    )
    all_hooks().contact_removed(tenant=db.session.get(Tenant, contact.tenant_id), contact=contact)
    contact.company.contacts.remove(contact)
    db.session.delete(contact)
    db.session.flush()
