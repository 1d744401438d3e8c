"""Loading the demo: the tenants in tenants/, then companies and people.

``load_demo()`` syncs the tenant files and adds, per association, a
deterministic set of plausible companies (``random.Random`` seeded with the
tenant's slug) with contact persons, plus the demo accounts and their
memberships. It only adds what is missing (companies are recognised by KvK
number, people by e-mail address), so running it twice adds nothing. It expects
a migrated database.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError

from kringwerk.accounts.models import Membership, User
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user, find_user
from kringwerk.audit.services import record
from kringwerk.demo import data
from kringwerk.demo.data import DEMO_PASSWORD, AssociationProfile
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson, Theme
from kringwerk.members.themes import DEFAULT_THEMES
from kringwerk.networks import demo as network_demo
from kringwerk.pluginhost import hooks
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenancy.models import Tenant
from kringwerk.tenants.sync import SyncReport, sync_tenants


@dataclass(frozen=True)
class ContactSeed:
    name: str
    email: str
    phone: str
    job_title: str


@dataclass(frozen=True)
class CompanySeed:
    """A demo company before it is stored; ``park`` and ``circles`` are names, ``themes`` keys."""

    name: str
    kvk_number: str
    sector: str
    employees: int
    street: str
    postcode: str
    city: str
    website: str
    email: str
    phone: str
    park: str | None
    circles: tuple[str, ...]
    themes: tuple[str, ...]
    contacts: tuple[ContactSeed, ...]


@dataclass
class DemoLogin:
    role: str
    email: str
    password: str
    url: str


@dataclass
class DemoResult:
    sync: SyncReport
    added: dict[str, dict[str, int]] = field(default_factory=dict)  # slug -> what -> how many
    logins: list[DemoLogin] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) from plugins' demo data
    base_url: str = ""

    @property
    def added_anything(self) -> bool:
        return any(any(counts.values()) for counts in self.added.values())


# --- generating companies ---------------------------------------------------------------


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _domain(name: str) -> str:
    base = re.sub(r"\b(b\.v\.|v\.o\.f\.)", "", _ascii(name).lower())
    return re.sub(r"[^a-z0-9]+", "-", base).strip("-") + ".example"


def _surname(rng: random.Random) -> str:
    return rng.choice(data.PREFIXED_SURNAMES if rng.random() < 0.3 else data.SURNAMES)


def _company_name(rng: random.Random, trade: str, town: data.Town) -> str:
    pattern = rng.randrange(5)
    if pattern == 0:
        surname = _surname(rng)
        name = f"{surname[0].upper()}{surname[1:]} {trade}"
    elif pattern == 1:
        name = f"{town.adjective} {trade}"
    elif pattern == 2:
        name = f"{rng.choice(data.SURNAMES)} & {rng.choice(data.SURNAMES)} {trade}"
    elif pattern == 3:
        name = f"{rng.choice(data.NAME_WORDS)}{rng.choice(data.NAME_ENDINGS)}"
    else:
        name = f"{trade} {rng.choice(data.SURNAMES)}"
    return name


def _postcode(rng: random.Random, low: int, high: int) -> str:
    letters = "ABCDEGHJKLMNPRTVWXZ"  # Dutch postcodes skip a few letters (and SA/SD/SS)
    return f"{rng.randint(low, high)} {rng.choice(letters)}{rng.choice(letters)}"


def _phone(rng: random.Random, area_code: str) -> str:
    digits = "".join(str(rng.randrange(10)) for _digit in range(10 - len(area_code)))
    return f"{area_code}-{digits}"


def _employees(rng: random.Random, on_park: bool) -> int:
    # Companies on a business park tend to be bigger than those in town.
    weights = [30, 35, 25, 10] if on_park else [55, 30, 13, 2]
    low, high = rng.choices([(1, 5), (6, 20), (21, 100), (101, 400)], weights=weights)[0]
    return rng.randint(low, high)


def _contact(rng: random.Random, domain: str, used: set[str]) -> ContactSeed:
    first = rng.choice(data.FIRST_NAMES)
    surname = _surname(rng)
    local = _ascii(first).lower()
    if local in used:
        local = f"{local}.{_ascii(surname.split()[-1]).lower()}"
    used.add(local)
    return ContactSeed(
        name=f"{first} {surname}",
        email=f"{local}@{domain}",
        phone="06-" + "".join(str(rng.randrange(10)) for _digit in range(8)),
        job_title=rng.choice(data.JOB_TITLES),
    )


def generate_companies(slug: str, profile: AssociationProfile) -> list[CompanySeed]:
    """The demo companies of ``slug``: always the same for the same slug and profile."""
    rng = random.Random(f"kringwerk-demo:{slug}")
    theme_keys = [key for key, _nl, _en in DEFAULT_THEMES]
    count = rng.randint(*profile.companies)
    seeds: list[CompanySeed] = []
    names: set[str] = set()
    kvk_numbers: set[str] = set()
    while len(seeds) < count:
        on_park = bool(profile.parks) and rng.random() < profile.on_park_share
        park = rng.choice(profile.parks) if on_park else None
        sectors = data.PARK_SECTORS if on_park else {**data.PARK_SECTORS, **data.TOWN_SECTORS}
        sector = rng.choice(sorted(sectors))
        town = rng.choice(profile.towns)
        name = _company_name(rng, rng.choice(sectors[sector]), town)
        kvk = str(rng.randint(10_000_000, 99_999_999))
        if name in names or kvk in kvk_numbers:
            continue
        names.add(name)
        name += rng.choice(data.LEGAL_FORMS)
        kvk_numbers.add(kvk)
        domain = _domain(name)
        street = rng.choice(data.PARK_STREETS if park else town.streets)
        circles = [profile.circle_by_park[park]] if park in profile.circle_by_park else []
        for small_circle, (circle_park, size) in profile.small_circles.items():
            if park == circle_park and sum(small_circle in s.circles for s in seeds) < size:
                circles.append(small_circle)
        used: set[str] = set()
        contacts = tuple(_contact(rng, domain, used) for _n in range(rng.choice((1, 1, 2))))
        seeds.append(
            CompanySeed(
                name=name,
                kvk_number=kvk,
                sector=sector,
                employees=_employees(rng, on_park),
                street=f"{street} {rng.randint(1, 180)}{rng.choice(('', '', '', 'a', 'b'))}",
                postcode=_postcode(rng, *town.postcodes),
                city=town.name,
                website=f"https://www.{domain}",
                email=f"info@{domain}",
                phone=_phone(rng, town.area_code),
                park=park,
                circles=tuple(circles),
                themes=tuple(rng.sample(theme_keys, rng.randint(1, 3))),
                contacts=contacts,
            )
        )
    return seeds


def _add_companies(slug: str, profile: AssociationProfile) -> dict[str, int]:
    """Add the demo companies ``slug`` lacks (inside its scope); count what was added."""
    existing = set(db.session.scalars(select(Company.kvk_number).where(Company.kvk_number.is_not(None))))
    parks = {park.name: park for park in db.session.scalars(select(BusinessPark))}
    circles = {circle.name: circle for circle in db.session.scalars(select(Circle))}
    themes = {theme.key: theme for theme in db.session.scalars(select(Theme))}
    added = {"companies": 0, "contacts": 0}
    for seed in generate_companies(slug, profile):
        if seed.kvk_number in existing:
            continue
        company = Company(
            name=seed.name,
            kvk_number=seed.kvk_number,
            sector=seed.sector,
            employees=seed.employees,
            street=seed.street,
            postcode=seed.postcode,
            city=seed.city,
            website=seed.website,
            email=seed.email,
            phone=seed.phone,
            business_park=parks.get(seed.park) if seed.park else None,
            circles=[circles[name] for name in seed.circles if name in circles],
            themes=[themes[key] for key in seed.themes if key in themes],
            contacts=[ContactPerson(**vars(contact)) for contact in seed.contacts],
        )
        db.session.add(company)
        added["companies"] += 1
        added["contacts"] += len(seed.contacts)
    db.session.flush()
    return added


# --- people --------------------------------------------------------------------------------


def _link_contact(user: User, slug: str, park_name: str | None) -> bool:
    """Make ``user`` the contact person of a demo company (on ``park_name``) in the tenant in scope."""
    if db.session.scalar(select(ContactPerson.id).where(ContactPerson.user_id == user.id)) is not None:
        return False
    profile = data.ASSOCIATIONS.get(slug)
    if profile is None:
        return False
    # The first generated company on that park: the same one on every run.
    seed = next((s for s in generate_companies(slug, profile) if s.park == park_name), None)
    company = (
        db.session.scalar(select(Company).where(Company.kvk_number == seed.kvk_number)) if seed else None
    )
    if company is None:
        return False
    db.session.add(
        ContactPerson(
            company_id=company.id, user_id=user.id, name=user.name, email=user.email, job_title="Eigenaar"
        )
    )
    return True


def _start_url(base_url: str, endpoint: str, **values) -> str:
    try:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        path = "/"
    return base_url + path


def _add_people(tenants: dict[str, Tenant], added: dict[str, dict[str, int]]) -> list[DemoLogin]:
    base_url = current_app.config["BASE_URL"]
    logins = []
    for person in data.DEMO_USERS:
        user = find_user(person.email)
        if user is None:
            user = create_user(
                person.email, person.name, password=DEMO_PASSWORD, locale="nl", is_operator=person.is_operator
            )
            db.session.flush()
        for slug, role in person.memberships:
            tenant = tenants.get(slug)
            if tenant is None:
                continue
            with tenant_scope(tenant):
                current = db.session.scalar(select(Membership.role).where(Membership.user_id == user.id))
                if current != role:
                    add_membership(tenant, user, role)
                    counts = added.setdefault(slug, {})
                    counts["memberships"] = counts.get("memberships", 0) + 1
                    db.session.flush()
        if person.contact_at and person.contact_at[0] in tenants:
            slug, park = person.contact_at
            with tenant_scope(tenants[slug]):
                if _link_contact(user, slug, park):
                    counts = added.setdefault(slug, {})
                    counts["contacts"] = counts.get("contacts", 0) + 1
                    db.session.flush()
        if person.is_operator:
            role_label, url = _("Operator"), _start_url(base_url, "operator.home")
        elif not person.memberships:
            role_label, url = "", _start_url(base_url, "web.landing")
        else:
            slugs = [slug for slug, _role in person.memberships]
            role_label = f"{person.memberships[0][1].label} ({', '.join(slugs)})"
            url = _start_url(base_url, "web.tenant_home", tenant=slugs[0])
        logins.append(DemoLogin(role_label, person.email, DEMO_PASSWORD, url))
    return logins


def load_demo(tenants_dir: Path | str | None = None) -> DemoResult:
    """Sync the tenant files, then add the demo companies and people that are missing."""
    report = sync_tenants(tenants_dir or current_app.config["TENANTS_DIR"])
    wanted = {slug for person in data.DEMO_USERS for slug, _role in person.memberships} | set(
        data.ASSOCIATIONS
    )
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(wanted)))}
    added: dict[str, dict[str, int]] = {}
    for slug, profile in data.ASSOCIATIONS.items():
        if slug in tenants:
            with tenant_scope(tenants[slug]):
                added[slug] = _add_companies(slug, profile)
    logins = _add_people(tenants, added)
    links = network_demo.load(tenants, added)
    links += _add_plugin_data(tenants, added)
    for slug, counts in sorted(added.items()):
        if any(counts.values()):
            with tenant_scope(tenants[slug]):
                record("demo.loaded", target=tenants[slug], details=counts)
                db.session.flush()
    db.session.commit()
    return DemoResult(
        sync=report, added=added, logins=logins, links=links, base_url=current_app.config["BASE_URL"]
    )


def _add_plugin_data(tenants: dict[str, Tenant], added: dict[str, dict[str, int]]) -> list[tuple[str, str]]:
    """Each enabled plugin adds its own demo data (polls, events, ...) through the demo_data hook."""
    links: list[tuple[str, str]] = []
    for slug, tenant in sorted(tenants.items()):
        with tenant_scope(tenant):
            for contribution in hooks(tenant).demo_data(tenant=tenant):
                if contribution is None:
                    continue
                counts = added.setdefault(slug, {})
                for what, count in contribution.added.items():
                    counts[str(what)] = counts.get(str(what), 0) + count
                links += [(str(label), url) for label, url in contribution.links]
            db.session.flush()
    return links
