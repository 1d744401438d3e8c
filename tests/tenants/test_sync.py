"""Tenants as code: validating tenant.toml files, applying them idempotently,
dry runs, and the ``kringwerk tenants sync`` command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Theme
from kringwerk.pluginhost.gating import enabled_keys
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from kringwerk.tenants.sync import SyncError, sync_tenants
from tests.conftest import TEST_PLUGINS, base_config

IKL = """
plugins = ["polls", "events"]

[tenant]
name = "Industriële Kring Lochem"
kind = "association"
locale = "nl"
timezone = "Europe/Amsterdam"
contact_name = "Gerrit Nijhof"
contact_email = "secretaris@ikl.example"
brand_colour = "#9c3d12"

[[circles]]
name = "Initiatiefgroep"
description = "Zes ondernemers en een bewoner"

[[parks]]
name = "Aalsvoort"
municipality = "Lochem"

[[themes]]
key = "energie"
description_nl = "Samen sneller naar duurzame energie"

[[themes]]
key = "kanaal"
nl = "Twentekanaal"
en = "Twente canal"
"""

REGION = """
plugins = ["events"]

[tenant]
name = "Ondernemend Cleantech Regio"
kind = "region"

[[affiliations]]
member = "ikl"
status = "active"
joined_on = 2018-07-03

[[affiliations]]
member = "kring-a"
status = "invited"
"""


@pytest.fixture(autouse=True)
def english(app):
    """Messages are compared in English whatever the catalogs say."""
    with force_locale("en"):
        yield


@pytest.fixture
def app_config(tmp_path, database_url):
    # The dependent plugin (requires dummy) exercises the requires rules.
    return base_config(
        tmp_path, database_url, EXTRA_PLUGINS=(*TEST_PLUGINS, "tests.support.dependent_plugin")
    )


@pytest.fixture
def root(tmp_path) -> Path:
    folder = tmp_path / "tenants"
    folder.mkdir()
    return folder


def write(root: Path, slug: str, text: str) -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tenant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def tenant(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def audit_actions(tenant_obj) -> list[str]:
    with tenant_scope(tenant_obj):
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def snapshot(tenant_obj) -> dict:
    """Everything a sync may touch in one tenant."""
    db.session.expire_all()
    with tenant_scope(tenant_obj):
        return {
            "tenant": (tenant_obj.name, tenant_obj.kind, tenant_obj.brand_colour, tenant_obj.contact_email),
            "plugins": sorted(db.session.execute(select(TenantPlugin.key, TenantPlugin.enabled)).all()),
            "settings": sorted(
                (row.key, sorted(row.settings.items())) for row in db.session.scalars(select(TenantPlugin))
            ),
            "circles": sorted(db.session.execute(select(Circle.name, Circle.description)).all()),
            "parks": sorted(db.session.execute(select(BusinessPark.name, BusinessPark.municipality)).all()),
            "themes": sorted(
                db.session.execute(select(Theme.key, Theme.name_nl, Theme.description_nl)).all(),
                key=lambda row: row[0],
            ),
            "affiliations": sorted(
                db.session.execute(select(Affiliation.member_tenant_id, Affiliation.status)).all()
            ),
            "audit": db.session.scalar(select(func.count(AuditEntry.id))),
        }


# --- creating and re-running ------------------------------------------------------------


@pytest.mark.both_databases
def test_create_then_second_run_reports_no_changes(app, world, root):
    write(root, "ikl", IKL)
    report = sync_tenants(root)

    assert [(item.slug, item.created) for item in report.tenants] == [("ikl", True)]
    assert "plugin enabled: polls" in report.tenants[0].changes
    assert "circle added: Initiatiefgroep" in report.tenants[0].changes
    ikl = tenant("ikl")
    assert (ikl.name, ikl.kind, ikl.default_locale, ikl.brand_colour) == (
        "Industriële Kring Lochem",
        TenantKind.ASSOCIATION,
        "nl",
        "#9c3d12",
    )
    assert ikl.contact_email == "secretaris@ikl.example"
    assert enabled_keys(ikl) == {"polls", "events"}
    with tenant_scope(ikl):
        assert db.session.scalars(select(Circle.description)).all() == ["Zes ondernemers en een bewoner"]
        assert db.session.execute(select(BusinessPark.name, BusinessPark.municipality)).all() == [
            ("Aalsvoort", "Lochem")
        ]
        themes = {theme.key: theme for theme in db.session.scalars(select(Theme))}
    assert len(themes) == 13  # the twelve defaults plus "kanaal"
    assert themes["energie"].name_nl == "Energie"  # a default keeps its name
    assert themes["energie"].description_nl == "Samen sneller naar duurzame energie"
    assert (themes["kanaal"].name_nl, themes["kanaal"].name_en) == ("Twentekanaal", "Twente canal")
    assert themes["kanaal"].position == 13
    assert audit_actions(ikl).count("tenants.synced") == 1

    before = snapshot(ikl)
    again = sync_tenants(root)
    assert not again.changed
    assert [(item.slug, item.created, item.changes) for item in again.tenants] == [("ikl", False, [])]
    assert again.lines() == ["ikl: unchanged", "No changes."]
    assert snapshot(ikl) == before


def test_a_changed_field_is_reported_and_applied(app, world, root):
    path = write(root, "ikl", IKL)
    sync_tenants(root)
    path.write_text(
        IKL.replace('name = "Industriële Kring Lochem"', 'name = "IKL Lochem"')
        .replace('"Zes ondernemers en een bewoner"', '"Zeven ondernemers"')
        .replace('brand_colour = "#9c3d12"', 'brand_colour = "#123456"')
        .replace('plugins = ["polls", "events"]', 'plugins = ["polls", "masterplan"]')
        .replace('municipality = "Lochem"', 'municipality = "Gemeente Lochem"')
        .replace('"Samen sneller naar duurzame energie"', '"Duurzame energie"'),
        encoding="utf-8",
    )
    report = sync_tenants(root)

    changes = report.tenants[0].changes
    assert "name: 'Industriële Kring Lochem' → 'IKL Lochem'" in changes
    assert "brand_colour: '#9c3d12' → '#123456'" in changes
    assert "circle updated: Initiatiefgroep (description)" in changes
    assert "plugin disabled: events" in changes
    assert "plugin enabled: masterplan" in changes
    assert "park updated: Aalsvoort (municipality)" in changes
    assert "theme updated: energie (description_nl)" in changes
    assert len(changes) == 7
    assert report.lines()[0] == "ikl: 7 changes"
    ikl = tenant("ikl")
    assert (ikl.name, ikl.brand_colour) == ("IKL Lochem", "#123456")
    assert enabled_keys(ikl) == {"polls", "masterplan"}
    with tenant_scope(ikl):
        assert db.session.scalars(select(Circle.description)).all() == ["Zeven ondernemers"]
        synced = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "tenants.synced").order_by(AuditEntry.id)
        ).all()
    assert len(synced) == 2
    assert synced[-1].details["changes"] == changes
    assert synced[-1].details["created"] is False


def test_an_empty_optional_field_clears_it(app, root):
    path = write(root, "ikl", IKL)
    sync_tenants(root)
    path.write_text(IKL.replace('"secretaris@ikl.example"', '""'), encoding="utf-8")

    report = sync_tenants(root)

    assert report.tenants[0].changes == ["contact_email: 'secretaris@ikl.example' → —"]
    assert tenant("ikl").contact_email is None
    assert not sync_tenants(root).changed


def test_what_a_file_does_not_list_is_kept(app, world, root):
    path = write(root, "ikl", IKL)
    sync_tenants(root)
    ikl = tenant("ikl")
    with tenant_scope(ikl):
        db.session.add(Circle(name="Added in the app"))
        enable_plugin(ikl, "dummy")
        db.session.commit()
    # No circles, parks or themes listed, and no plugins key: nothing is removed or disabled.
    path.write_text(
        IKL.split("[[circles]]")[0].replace('plugins = ["polls", "events"]', ""), encoding="utf-8"
    )

    report = sync_tenants(root)

    assert not report.changed
    assert enabled_keys(ikl) == {"polls", "events", "dummy"}
    with tenant_scope(ikl):
        assert sorted(db.session.scalars(select(Circle.name))) == ["Added in the app", "Initiatiefgroep"]
        assert db.session.scalar(select(func.count(BusinessPark.id))) == 1


def test_unlisted_plugins_are_disabled_and_keep_their_row(app, world, root):
    path = write(root, "ikl", IKL)
    sync_tenants(root)
    ikl = tenant("ikl")
    enable_plugin(ikl, "dummy", settings={"greeting": "moi"})
    enable_plugin(ikl, "dependent")
    db.session.commit()

    path.write_text(IKL.replace('plugins = ["polls", "events"]', "plugins = []"), encoding="utf-8")
    report = sync_tenants(root)

    # The dependant goes first, or disabling dummy would be refused.
    assert set(report.tenants[0].changes) == {
        "plugin disabled: polls",
        "plugin disabled: events",
        "plugin disabled: dependent",
        "plugin disabled: dummy",
    }
    changes = report.tenants[0].changes
    assert changes.index("plugin disabled: dependent") < changes.index("plugin disabled: dummy")
    assert enabled_keys(ikl) == frozenset()
    with tenant_scope(ikl):
        dummy = db.session.scalar(select(TenantPlugin).where(TenantPlugin.key == "dummy"))
    assert dummy is not None and not dummy.enabled and dummy.settings["greeting"] == "moi"


def test_plugin_tables_set_settings_in_dependency_order(app, world, root):
    write(
        root,
        "ikl",
        IKL.replace(
            'plugins = ["polls", "events"]\n',
            "",
        )
        + '\n[plugins.dependent]\n\n[plugins.dummy]\ngreeting = "moi"\nthreshold = 5\n',
    )
    report = sync_tenants(root)

    changes = report.tenants[0].changes
    assert changes.index("plugin enabled: dummy") < changes.index("plugin enabled: dependent")
    ikl = tenant("ikl")
    assert enabled_keys(ikl) == {"dummy", "dependent"}
    with tenant_scope(ikl):
        dummy = db.session.scalar(select(TenantPlugin).where(TenantPlugin.key == "dummy"))
        assert dummy.settings == {"greeting": "moi", "threshold": 5}
        # Changed in the app, then the file wins again for the settings it states.
        dummy.settings = {"greeting": "hoi", "threshold": 5}
        db.session.commit()

    report = sync_tenants(root)
    assert report.tenants[0].changes == ["plugin settings of dummy: greeting"]
    with tenant_scope(ikl):
        assert (
            db.session.scalar(select(TenantPlugin.settings).where(TenantPlugin.key == "dummy"))["greeting"]
            == "moi"
        )
    assert not sync_tenants(root).changed


def test_affiliations_are_added_after_all_tenants_and_updated(app, world, root):
    write(root, "ikl", IKL)
    region_path = write(root, "cleantech-regio", REGION)
    report = sync_tenants(root)

    region = tenant("cleantech-regio")
    assert "affiliation added: ikl (active)" in report.tenants[0].changes
    assert "affiliation added: kring-a (invited)" in report.tenants[0].changes
    with tenant_scope(region):
        rows = {row.member.slug: row for row in db.session.scalars(select(Affiliation))}
    assert rows["ikl"].status == AffiliationStatus.ACTIVE
    assert rows["ikl"].joined_on == date(2018, 7, 3)
    assert rows["kring-a"].status == AffiliationStatus.INVITED

    region_path.write_text(REGION.replace('status = "invited"', 'status = "active"'), encoding="utf-8")
    report = sync_tenants(root)
    region_report = next(item for item in report.tenants if item.slug == "cleantech-regio")
    assert region_report.changes == ["affiliation updated: kring-a (status: 'invited' → 'active')"]
    # The member's own tenant is not where the affiliation lives.
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count(Affiliation.id))) == 0


# --- dry run and isolation ---------------------------------------------------------------


def test_dry_run_changes_nothing(app, world, root):
    write(root, "ikl", IKL)
    write(root, "cleantech-regio", REGION)
    report = sync_tenants(root, dry_run=True)

    assert report.dry_run and report.changed
    assert {item.slug for item in report.tenants if item.created} == {"ikl", "cleantech-regio"}
    assert report.lines()[-1] == "Dry run: nothing was saved."
    assert tenant("ikl") is None and tenant("cleantech-regio") is None
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count(Affiliation.id))) == 0

    path = write(root, "ikl", IKL)
    sync_tenants(root)
    ikl = tenant("ikl")
    before = snapshot(ikl)
    path.write_text(
        IKL.replace("Gerrit Nijhof", "Someone Else").replace('"events"', '"masterplan"'), encoding="utf-8"
    )
    report = sync_tenants(root, dry_run=True)
    ikl_report = next(item for item in report.tenants if item.slug == "ikl")
    assert "contact_name: 'Gerrit Nijhof' → 'Someone Else'" in ikl_report.changes
    assert snapshot(ikl) == before
    assert enabled_keys(ikl) == {"polls", "events"}  # no stale cache from the rolled-back run


@pytest.mark.both_databases
def test_syncing_one_tenant_never_touches_another(app, world, root):
    with tenant_scope(world.b.tenant):
        db.session.add(Circle(name="Noord"))
        enable_plugin(world.b.tenant, "dummy")
        db.session.commit()
    b_before = snapshot(world.b.tenant)

    write(
        root,
        "kring-a",
        """
plugins = ["polls"]

[tenant]
name = "Kring A, renamed"
kind = "association"

[[circles]]
name = "Noord"
description = "Only in A"

[[themes]]
key = "energie"
nl = "Energie A"
""",
    )
    report = sync_tenants(root)

    assert [item.slug for item in report.tenants] == ["kring-a"]
    assert snapshot(world.b.tenant) == b_before
    assert tenant("kring-b").name == "Kring B"
    with tenant_scope(world.a.tenant):
        assert db.session.execute(select(Circle.name, Circle.description)).all() == [("Noord", "Only in A")]
        assert db.session.scalar(select(Theme.name_nl).where(Theme.key == "energie")) == "Energie A"
    assert enabled_keys(world.a.tenant) == {"polls"}
    assert "tenants.synced" in audit_actions(world.a.tenant)
    assert "tenants.synced" not in audit_actions(world.b.tenant)


# --- validation ----------------------------------------------------------------------------

MINIMAL = '[tenant]\nname = "X"\nkind = "association"\n'

INVALID = [
    (
        'plugins = ["polls", "pols"]\n' + MINIMAL,
        "plugins[1]: unknown plugin 'pols' (known: dependent, dummy, events, masterplan, mkb-toets, polls)",
    ),
    (
        '[tenant]\nname = "X"\nkind = "club"\n',
        "tenant.kind: must be one of region, association, municipality",
    ),
    ('[tenant]\nname = "X"\nkind = association\n', "TOML syntax error"),
    (MINIMAL + 'nmae = "typo"\n', "tenant.nmae: unknown key"),
    ('[tenat]\nname = "X"\n', "tenat: unknown key"),
    ('[tenant]\nkind = "association"\n', "tenant.name: is required"),
    ('[tenant]\nname = "  "\nkind = "association"\n', "tenant.name: must not be empty"),
    ('[tenant]\nname = 3\nkind = "association"\n', "tenant.name: must be a string"),
    ("[tenant]\nname = '" + "x" * 201 + "'\nkind = 'association'\n", "tenant.name: must be at most 200"),
    (MINIMAL + 'locale = "de"\n', "tenant.locale: must be one of nl, en"),
    (MINIMAL + 'timezone = "Europe/Lochem"\n', "tenant.timezone: unknown time zone"),
    (MINIMAL + 'timezone = "Europe"\n', "tenant.timezone: unknown time zone"),
    (MINIMAL + 'contact_email = "not-an-address"\n', "tenant.contact_email: not a valid e-mail"),
    (MINIMAL + 'brand_colour = "red"\n', "tenant.brand_colour: must be a colour"),
    (MINIMAL + '[[themes]]\nkey = "energie"\nen = ""\n', "themes[0].en: must not be empty"),
    (
        'plugins = ["polls"]\n[tenant]\nname = "X"\nkind = "association"\nplugins = ["events"]\n',
        "tenant.plugins: write plugins",
    ),
    ('plugins = ["dependent"]\n' + MINIMAL, "plugins: 'dependent' needs 'dummy'"),
    ('plugins = ["polls", "polls"]\n' + MINIMAL, "plugins[1]: 'polls' is listed twice"),
    (MINIMAL + "[plugins.dummy]\ngreting = 1\n", "plugins.dummy.greting: unknown setting"),
    (MINIMAL + "[plugins.dummy]\nthreshold = 'many'\n", "plugins.dummy.threshold: must be of type int"),
    (MINIMAL + "[plugins.events]\nanything = 1\n", "plugins.events.anything: the plugin has no settings"),
    (
        MINIMAL + "[plugins.polls]\nanything = 1\n",
        "plugins.polls.anything: unknown setting (known: match_threshold)",
    ),
    (MINIMAL + '[[circles]]\nname = "A"\n[[circles]]\nname = "A"\n', "circles[1].name: “A” is listed twice"),
    (MINIMAL + '[[circles]]\ndescription = "no name"\n', "circles[0].name: is required"),
    (MINIMAL + '[[parks]]\nname = "P"\ncity = "Lochem"\n', "parks[0].city: unknown key"),
    ('circles = "Noord"\n' + MINIMAL, "circles: must be a list of tables"),
    (MINIMAL + '[[themes]]\nkey = "nieuw"\nnl = "Nieuw"\n', "themes[0].en: is required"),
    (MINIMAL + '[[themes]]\nkey = "Nieuw Thema"\nnl = "N"\nen = "N"\n', "themes[0].key: use lowercase"),
    (MINIMAL + '[[affiliations]]\nmember = "ikl"\n', "affiliations: only a tenant of kind region"),
    (
        '[tenant]\nname = "R"\nkind = "region"\n[[affiliations]]\nmember = "nowhere"\n',
        "affiliations[0].member: no tenant “nowhere”",
    ),
    (
        '[tenant]\nname = "R"\nkind = "region"\n[[affiliations]]\nmember = "ikl"\nstatus = "gone"\n',
        "affiliations[0].status: must be one of invited, active, left",
    ),
    (
        '[tenant]\nname = "R"\nkind = "region"\n[[affiliations]]\nmember = "ikl"\njoined_on = "3 juli"\n',
        "affiliations[0].joined_on: must be a date",
    ),
    (
        '[tenant]\nname = "R"\nkind = "region"\n[[affiliations]]\nmember = "other-region"\n',
        "affiliations[0].member: “other-region” is a regional network",
    ),
    (
        '[tenant]\nname = "R"\nkind = "region"\n[[affiliations]]\nmember = "new"\n',
        "affiliations[0].member: a network cannot be its own member",
    ),
    ('plugins = ["polls"]\n', "tenant: missing table [tenant]"),
    ('tenant = "X"\n', "tenant: must be a table"),
    ('circles = ["Noord"]\n' + MINIMAL, "circles[0]: must be a table"),
    ("plugins = 3\n" + MINIMAL, "plugins: must be a list of plugin keys, or [plugins.<key>] tables"),
    ("plugins = [3]\n" + MINIMAL, "plugins[0]: must be a plugin key (a string)"),
    (MINIMAL + "contact_phone = 612345678\n", "tenant.contact_phone: must be a string"),
    (
        MINIMAL + 'nmae = "typo"\n',
        "tenant.nmae: unknown key (expected one of: name, kind, locale, timezone, contact_name, "
        "contact_email, contact_phone, website, brand_colour)",
    ),
    (
        MINIMAL + '[[parks]]\nname = "P"\ncity = "Lochem"\n',
        "parks[0].city: unknown key (expected one of: name, municipality, description)",
    ),
    (
        '[tenant]\nname = "R"\nkind = "region"\n[[affiliations]]\nmember = "ikl"\njoined_on = 20180703\n',
        "affiliations[0].joined_on: must be a date",
    ),
]


def test_every_problem_names_file_and_field_and_nothing_changes(app, tmp_path):
    # One app for all cases keeps this fast; each case gets its own folder.
    for number, (text, expected) in enumerate(INVALID):
        root = tmp_path / f"case-{number}"
        write(root, "ikl", IKL)  # a valid file next to the broken one
        write(root, "other-region", '[tenant]\nname = "Other"\nkind = "region"\n')
        path = write(root, "new", text)

        with pytest.raises(SyncError) as raised:
            sync_tenants(root)

        assert any(
            message.startswith(f"{path}: ") and expected in message for message in raised.value.errors
        ), (
            expected,
            raised.value.errors,
        )
        assert db.session.scalar(select(func.count(Tenant.id))) == 0, expected


@pytest.mark.both_databases
def test_an_invalid_file_stops_changes_to_existing_tenants(app, world, root):
    write(root, "kring-a", 'plugins = ["polls"]\n[tenant]\nname = "Kring A"\nkind = "association"\n')
    sync_tenants(root)
    before = snapshot(world.a.tenant)
    write(
        root, "kring-a", 'plugins = ["events"]\n[tenant]\nname = "Kring A, renamed"\nkind = "association"\n'
    )
    write(root, "broken", '[tenant]\nname = "X"\nkind = "club"\n')

    with pytest.raises(SyncError):
        sync_tenants(root)

    assert snapshot(world.a.tenant) == before
    assert tenant("kring-a").name == "Kring A"
    assert enabled_keys(world.a.tenant) == {"polls"}


def test_unknown_plugin_message_is_exact(app, world, root):
    path = write(root, "ikl", IKL.replace('"events"', '"pols"'))
    with pytest.raises(SyncError) as raised:
        sync_tenants(root)
    assert raised.value.errors == [
        f"{path}: plugins[1]: unknown plugin 'pols' (known: dependent, dummy, events, masterplan, mkb-toets, polls)"
    ]


def test_toml_syntax_error_names_the_line(app, root):
    path = write(root, "ikl", '[tenant]\nname = "X"\nkind = association\n')
    with pytest.raises(SyncError) as raised:
        sync_tenants(root)
    (message,) = raised.value.errors
    assert message.startswith(f"{path}: TOML syntax error") and "line 3" in message


def test_all_problems_of_one_file_are_reported_together(app, root):
    path = write(
        root,
        "one",
        'plugins = ["nope"]\ncolours = 1\n[tenant]\nname = ""\nkind = "club"\nbrand_colour = "red"\n'
        '[[circles]]\nname = "A"\n[[circles]]\nname = "A"\n'
        '[[themes]]\nkey = "nieuw"\n',
    )
    with pytest.raises(SyncError) as raised:
        sync_tenants(root)
    assert all(message.startswith(f"{path}: ") for message in raised.value.errors)
    fields = sorted(message.split(": ")[1] for message in raised.value.errors)
    assert fields == [
        "circles[1].name",
        "colours",
        "plugins[0]",
        "tenant.brand_colour",
        "tenant.kind",
        "tenant.name",
        "themes[0].en",
        "themes[0].nl",
    ]


def test_all_problems_of_all_files_are_reported_together(app, root):
    write(root, "one", '[tenant]\nname = "X"\nkind = "club"\nlocale = "de"\n')
    write(root, "two", 'plugins = ["nope"]\n' + MINIMAL)
    with pytest.raises(SyncError) as raised:
        sync_tenants(root)
    fields = [message.split(": ")[1] for message in raised.value.errors]
    assert fields == ["tenant.kind", "tenant.locale", "plugins[0]"]


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("IKL", "slug: the folder name “IKL” is not a valid slug"),
        ("operator", "slug: the folder name “operator”"),
    ],
)
def test_folder_name_must_be_a_valid_slug(app, root, folder, expected):
    path = write(root, folder, MINIMAL)
    with pytest.raises(SyncError) as raised:
        sync_tenants(root)
    assert raised.value.errors[0].startswith(f"{path}: {expected}")


def test_folder_without_tenant_file_and_missing_path(app, root, tmp_path):
    (root / "ikl").mkdir()
    with pytest.raises(SyncError) as raised:
        sync_tenants(root)
    assert raised.value.errors == [
        f"{root / 'ikl' / 'tenant.toml'}: file not found (every tenant folder needs a tenant.toml)"
    ]
    with pytest.raises(SyncError) as raised:
        sync_tenants(tmp_path / "nowhere")
    assert "no such file or folder" in raised.value.errors[0]


def test_path_may_name_one_tenant_folder_or_file(app, root):
    write(root, "ikl", IKL)
    write(root, "other", MINIMAL)
    assert [item.slug for item in sync_tenants(root / "ikl", dry_run=True).tenants] == ["ikl"]
    assert [item.slug for item in sync_tenants(root / "other" / "tenant.toml").tenants] == ["other"]
    assert tenant("other") is not None and tenant("ikl") is None


# --- the command ---------------------------------------------------------------------------


def test_command_prints_report_and_honours_dry_run(app, world, root):
    write(root, "ikl", IKL)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["tenants", "sync", str(root), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "ikl: created" in result.stdout
    assert "Dry run: nothing was saved." in result.stdout
    assert tenant("ikl") is None

    result = runner.invoke(args=["tenants", "sync", str(root)])
    assert result.exit_code == 0, result.output
    assert "ikl: created\n  - plugin enabled: events\n" in result.stdout
    assert tenant("ikl") is not None

    result = runner.invoke(args=["tenants", "sync", str(root)])
    assert result.stdout.splitlines() == ["ikl: unchanged", "No changes."]


def test_command_defaults_to_tenants_dir(app, root):
    write(root, "ikl", IKL)
    app.config["TENANTS_DIR"] = str(root)
    result = app.test_cli_runner().invoke(args=["tenants", "sync"])
    assert result.exit_code == 0, result.output
    assert tenant("ikl") is not None


def test_command_exits_1_with_the_errors(app, root):
    path = write(root, "ikl", IKL.replace('kind = "association"', 'kind = "club"'))
    result = app.test_cli_runner().invoke(args=["tenants", "sync", str(root)])
    assert result.exit_code == 1
    assert f"{path}: tenant.kind: must be one of region, association, municipality" in result.stderr
    assert "Nothing was changed." in result.stderr
    assert result.stdout == ""
    assert tenant("ikl") is None
