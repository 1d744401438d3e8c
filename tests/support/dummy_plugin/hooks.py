"""The dummy plugin implements every hook, and records the calls it gets."""

from datetime import timedelta

from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.pluginhost import (
    AdminSection,
    DashboardCard,
    FollowUpOffer,
    NavItem,
    PeriodicJob,
    PublicLink,
    SettingsForm,
    ThemeActivity,
    hookimpl,
)
from tests.support.dummy_plugin.forms import DummySettingsForm
from tests.support.dummy_plugin.models import DummyNote

calls: list[tuple[str, int | None]] = []


@hookimpl
def nav_items(tenant, user):
    calls.append(("nav_items", tenant.id))
    return [NavItem("Dummy", "dummy.index", order=99)]


@hookimpl
def dashboard_cards(tenant, user):
    calls.append(("dashboard_cards", tenant.id))
    count = db.session.scalar(select(func.count(DummyNote.id)))
    return [DashboardCard("Dummy card", "dummy/_card.html", {"count": count}, plugin="dummy")]


@hookimpl
def theme_activity(tenant, theme):
    calls.append(("theme_activity", tenant.id))
    return [ThemeActivity("dummy", "Dummy notes", 1)]


@hookimpl
def member_export(tenant, user):
    calls.append(("member_export", tenant.id))
    notes = db.session.scalars(select(DummyNote.text).where(DummyNote.author_email == user.email))
    return {"dummy_notes": list(notes)}


@hookimpl
def member_erase(tenant, user):
    calls.append(("member_erase", tenant.id))
    for note in db.session.scalars(select(DummyNote).where(DummyNote.author_email == user.email)):
        note.author_email = None


@hookimpl
def contact_export(tenant, contact):
    # Not recorded in ``calls``: other tests assert that list exactly.
    notes = db.session.scalars(select(DummyNote.text).where(DummyNote.author_email == contact.email))
    return {"dummy_notes": list(notes)}


def count_notes(tenant_id: int) -> int:
    calls.append(("periodic", tenant_id))
    return db.session.scalar(select(func.count(DummyNote.id)))


@hookimpl
def periodic_jobs():
    return [PeriodicJob("dummy.count_notes", count_notes, interval=timedelta(minutes=5))]


@hookimpl
def followup_offers(tenant, user, match):
    # Not recorded in ``calls``: other tests assert that list exactly.
    return [FollowUpOffer("dummy", "Start a dummy follow-up", "dummy.followup", {"kind": "note"})]


# The three hooks below are not recorded in ``calls`` either.


@hookimpl
def admin_sections(tenant, user):
    # Between the core's themes (50) and settings (80); for the board only.
    return [
        AdminSection(
            "dummy.index", "Dummy administration", "Manage the dummy notes.", roles=("admin",), order=55
        )
    ]


@hookimpl
def public_links(tenant):
    return [PublicLink("Dummy public page", "dummy.public_page", "Open to every visitor.")]


@hookimpl
def tenant_settings_forms(tenant):
    return [
        SettingsForm("dummy", "Dummy settings", form=DummySettingsForm, description="How the dummy greets.")
    ]
