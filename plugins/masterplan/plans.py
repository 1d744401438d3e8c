"""Plans, their text per theme, and the wishes and challenges members add (with support).

Business rules only; the views are thin. Every change goes to the change log.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kringwerk.plugin_api import BusinessPark, Circle, Theme, db
from plugins.masterplan import changes
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Item, ItemKind, Masterplan, PlanStatus, Scope, Support, ThemeEntry

MAX_ITEM = 2000


def themes() -> list[Theme]:
    """The tenant's active themes, in the taxonomy's order."""
    return list(
        db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.position, Theme.id))
    )


def theme_or_invalid(theme_id, field: str = "theme_id") -> Theme:
    theme = db.session.get(Theme, int(theme_id)) if str(theme_id or "").isdigit() else None
    if theme is None:  # also another tenant's theme: the tenant wall hides it
        raise Invalid({field: _l("Choose a theme.")})
    return theme


def _plan_values(values: dict) -> dict:
    errors = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = _l("Give the plan a title.")
    elif len(title) > 200:
        errors["title"] = _l("At most 200 characters.")
    try:
        scope = Scope(values.get("scope") or Scope.TENANT)
    except ValueError:
        errors["scope"] = _l("Choose what the plan is for.")
        scope = Scope.TENANT
    try:
        status = PlanStatus(values.get("status") or PlanStatus.DRAFT)
    except ValueError:
        errors["status"] = _l("Choose a status.")
        status = PlanStatus.DRAFT
    circle_id = park_id = None
    if scope == Scope.CIRCLE:
        circle = (
            db.session.get(Circle, int(values["circle_id"]))
            if str(values.get("circle_id") or "").isdigit()
            else None
        )
        if circle is None:
            errors["circle_id"] = _l("Choose a circle.")
        else:
            circle_id = circle.id
    if scope == Scope.PARK:
        park = (
            db.session.get(BusinessPark, int(values["business_park_id"]))
            if str(values.get("business_park_id") or "").isdigit()
            else None
        )
        if park is None:
            errors["business_park_id"] = _l("Choose a business park.")
        else:
            park_id = park.id
    owners = (values.get("owners") or "").strip()[:500] or None
    if errors:
        raise Invalid(errors)
    return {
        "title": title,
        "scope": scope,
        "circle_id": circle_id,
        "business_park_id": park_id,
        "ambition": (values.get("ambition") or "").strip() or None,
        "status": status,
        "owners": owners,
    }


def create_plan(values: dict, *, actor) -> Masterplan:
    cleaned = _plan_values(values)
    plan = Masterplan(**cleaned, created_by_id=getattr(actor, "id", None))
    db.session.add(plan)
    db.session.flush()
    changes.log(plan.id, actor, "plan", plan.id, "created", cleaned)
    db.session.flush()
    return plan


def update_plan(plan: Masterplan, values: dict, *, expected_version, actor) -> dict:
    cleaned = _plan_values(values)
    return changes.edit(
        plan, cleaned, expected_version=expected_version, plan_id=plan.id, actor=actor, entity="plan"
    )


def scope_label(plan: Masterplan) -> str:
    circle = park = None
    if plan.scope == Scope.CIRCLE and plan.circle_id:
        circle = db.session.get(Circle, plan.circle_id)
    if plan.scope == Scope.PARK and plan.business_park_id:
        park = db.session.get(BusinessPark, plan.business_park_id)
    return scope_text(plan.scope, circle.name if circle else None, park.name if park else None)


def scope_text(scope: Scope, circle_name: str | None, park_name: str | None) -> str:
    """What a plan is for, in the page's language, from names already read (``scope_label``
    reads them; the list and the plan's page read them with the plan)."""
    if scope == Scope.CIRCLE:
        return circle_name if circle_name is not None else str(_l("a removed circle"))
    if scope == Scope.PARK:
        return park_name if park_name is not None else str(_l("a removed business park"))
    return str(Scope.TENANT.label)


def theme_entry(plan: Masterplan, theme: Theme) -> ThemeEntry | None:
    return db.session.scalar(
        select(ThemeEntry).where(ThemeEntry.masterplan_id == plan.id, ThemeEntry.theme_id == theme.id)
    )


def current_situations(plan: Masterplan) -> dict[int, str]:
    """The plan's text on each theme's current situation, by theme id, in one statement."""
    return dict(
        db.session.execute(
            select(ThemeEntry.theme_id, ThemeEntry.current_situation).where(
                ThemeEntry.masterplan_id == plan.id, ThemeEntry.current_situation.is_not(None)
            )
        ).all()
    )


def set_current_situation(
    plan: Masterplan, theme: Theme, text: str, *, expected_version, actor
) -> ThemeEntry:
    """The plan's text on the theme's current situation; the first save starts at version 0."""
    text = (text or "").strip() or None
    entry = theme_entry(plan, theme)
    if entry is None:
        if str(expected_version or "0") not in ("0", ""):
            raise changes.StaleEdit()
        entry = ThemeEntry(masterplan_id=plan.id, theme_id=theme.id, current_situation=text)
        db.session.add(entry)
        db.session.flush()
        changes.log(
            plan.id, actor, "theme", entry.id, "created", {"theme": theme.key, "current_situation": text}
        )
        db.session.flush()
        return entry
    changes.edit(
        entry,
        {"current_situation": text},
        expected_version=expected_version,
        plan_id=plan.id,
        actor=actor,
        entity="theme",
    )
    return entry


def add_item(plan: Masterplan, kind, theme_id, text: str, *, actor) -> Item:
    """A member adds a wish or a challenge on a theme."""
    errors = {}
    try:
        kind = ItemKind(kind)
    except ValueError:
        errors["kind"] = _l("Choose wish or challenge.")
    text = (text or "").strip()
    if not text:
        errors["text"] = _l("Write the wish or challenge.")
    elif len(text) > MAX_ITEM:
        errors["text"] = _l("At most %(count)s characters.", count=MAX_ITEM)
    try:
        theme = theme_or_invalid(theme_id)
    except Invalid as refused:
        errors.update(refused.errors)
    if errors:
        raise Invalid(errors)
    item = Item(
        masterplan_id=plan.id,
        theme_id=theme.id,
        kind=kind,
        text=text,
        added_by_id=getattr(actor, "id", None),
        added_by_name=getattr(actor, "name", None),
    )
    db.session.add(item)
    db.session.flush()
    changes.log(plan.id, actor, kind.value, item.id, "created", {"theme": theme.key, "text": text})
    db.session.flush()
    return item


def items(plan: Masterplan, theme: Theme | None = None) -> list[Item]:
    query = select(Item).where(Item.masterplan_id == plan.id)
    if theme is not None:
        query = query.where(Item.theme_id == theme.id)
    return list(db.session.scalars(query.order_by(Item.created_at, Item.id)))


def support_count(item: Item) -> int:
    return db.session.scalar(select(func.count(Support.id)).where(Support.item_id == item.id))


def supports(item: Item, user) -> bool:
    return (
        db.session.scalar(select(Support.id).where(Support.item_id == item.id, Support.user_id == user.id))
        is not None
    )


def support(item: Item, *, actor) -> bool:
    """The member backs the item; a second time changes nothing (the unique key holds it). True if new."""
    if supports(item, actor):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Support(item_id=item.id, user_id=actor.id))
    except IntegrityError:  # a parallel click got there first
        return False
    changes.log(item.masterplan_id, actor, "support", item.id, "created", {})
    db.session.flush()
    return True


def withdraw_support(item: Item, *, actor) -> bool:
    row = db.session.scalar(select(Support).where(Support.item_id == item.id, Support.user_id == actor.id))
    if row is None:
        return False
    db.session.delete(row)
    changes.log(item.masterplan_id, actor, "support", item.id, "deleted", {})
    db.session.flush()
    return True
