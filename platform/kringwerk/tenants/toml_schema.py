"""The schema of ``tenant.toml`` as pydantic models, and its errors in Kringwerk's words.

``parse(document, label)`` validates one parsed file and returns a ``TenantDocument``,
or raises ``SchemaError`` with one message per problem, each naming the file and
the field (``tenants/ikl/tenant.toml: circles[1].name: “A” is listed twice``).
Checks that need the running platform (the offered languages, the installed
plugins) ask the current app; checks across files (affiliation members) are the
sync's. The schema is documented in ``tenants/README.md``.
"""

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Annotated, Any, NoReturn, Self, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from kringwerk.members.themes import DEFAULT_THEMES
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.models import AffiliationStatus, TenantKind

COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
THEME_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DEFAULT_THEME_KEYS = frozenset(key for key, _nl, _en in DEFAULT_THEMES)


class SchemaError(Exception):
    """One tenant file breaks the schema; ``errors`` holds one message per problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


# --- raising problems in our own words ------------------------------------------------------


def _problem(message: str) -> PydanticCustomError:
    # The message is already translated; the error type tells it apart from pydantic's own.
    return PydanticCustomError("kringwerk", "{message}", {"message": message})


def _fail(value: Any, *problems: tuple[tuple[str | int, ...], str]) -> NoReturn:
    """Report several problems below the value being validated: pydantic-core takes a
    ValidationError raised in a validator as line errors and prefixes their locations."""
    raise ValidationError.from_exception_data(
        "tenant.toml",
        [InitErrorDetails(type=_problem(message), loc=loc, input=value) for loc, message in problems],
    )


def Text(max_length: int, *, required: bool = False) -> Any:  # noqa: N802 - reads as a type
    """A string, stripped; a required one may not be empty."""
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1 if required else 0, max_length=max_length)
    ]


def _one_of(enum: type) -> PlainValidator:
    values = [member.value for member in enum]

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise _problem(_("must be a string"))
        if value.strip() not in values:
            raise _problem(_("must be one of %(values)s", values=", ".join(values)))
        return enum(value.strip())

    return PlainValidator(check)


def _language(value: str) -> str:
    languages = current_app.config["LANGUAGES"]
    if value not in languages:
        raise _problem(_("must be one of %(values)s", values=", ".join(languages)))
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as 'Europe'
        raise _problem(_("unknown time zone “%(zone)s” (e.g. Europe/Amsterdam)", zone=value)) from None
    return value


def _email(value: str) -> str:
    if value:  # an empty address clears it
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as error:
            raise _problem(_("not a valid e-mail address: %(error)s", error=str(error))) from None
    return value


def _colour(value: str) -> str:
    if not COLOUR_PATTERN.match(value):
        raise _problem(_("must be a colour written #rrggbb, such as #1f5f8b"))
    return value


def _theme_key(value: str) -> str:
    if not THEME_KEY_PATTERN.match(value):
        raise _problem(_("use lowercase letters, digits and hyphens"))
    return value


def _day(value: Any) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    elif isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise _problem(_("must be a date such as 2018-07-03"))


def _misplaced_plugins(value: Any) -> NoReturn:
    raise _problem(_("write plugins = [...] above [tenant]: in TOML a key belongs to the table above it"))


def _unique(key: str) -> Callable[[list], list]:
    """No two entries of a list share ``key`` (a circle's name, a theme's key)."""

    def check(entries: list) -> list:
        seen: set = set()
        twice = []
        for index, entry in enumerate(entries):
            value = getattr(entry, key)
            if value in seen:
                twice.append(((index, key), _("“%(value)s” is listed twice", value=value)))
            seen.add(value)
        if twice:
            _fail(entries, *twice)
        return entries

    return check


# --- the models -----------------------------------------------------------------------------


class Table(BaseModel):
    """One TOML table: unknown keys are errors, and only what the file states is applied."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def stated(self) -> dict[str, Any]:
        """The fields the file states, by attribute name; an empty text clears a field (None)."""
        return {
            name: value if value != "" else None
            for name, value in self.model_dump(exclude_unset=True).items()
        }


class TenantTable(Table):
    name: Text(200, required=True)
    kind: Annotated[TenantKind, _one_of(TenantKind)]
    default_locale: Annotated[Text(8), AfterValidator(_language)] = Field("", alias="locale")
    timezone: Annotated[Text(64), AfterValidator(_time_zone)] = ""
    contact_name: Text(200) = ""
    contact_email: Annotated[Text(254), AfterValidator(_email)] = ""
    contact_phone: Text(40) = ""
    website: Text(300) = ""
    brand_colour: Annotated[Text(7), AfterValidator(_colour)] = ""
    # Not a key of [tenant]: a common slip, answered with advice rather than "unknown key".
    plugins: Annotated[Any, PlainValidator(_misplaced_plugins)] = Field(None, exclude=True)


class CircleEntry(Table):
    name: Text(200, required=True)
    description: Text(10_000) = ""


class ParkEntry(Table):
    name: Text(200, required=True)
    municipality: Text(200) = ""
    description: Text(10_000) = ""


class ThemeEntry(Table):
    key: Annotated[Text(64, required=True), AfterValidator(_theme_key)]
    name_nl: Text(120, required=True) = Field("", alias="nl")
    name_en: Text(120, required=True) = Field("", alias="en")
    description_nl: Text(10_000) = ""
    description_en: Text(10_000) = ""

    @model_validator(mode="after")
    def _new_theme_has_names(self) -> Self:
        # A new theme needs both names; a default one may change only its texts.
        if self.key not in DEFAULT_THEME_KEYS:
            missing = [alias for alias in ("nl", "en") if f"name_{alias}" not in self.model_fields_set]
            if missing:
                _fail(self, *(((alias,), _("is required")) for alias in missing))
        return self


class AffiliationEntry(Table):
    member: Text(63, required=True)
    status: Annotated[AffiliationStatus, _one_of(AffiliationStatus)] = AffiliationStatus.ACTIVE
    joined_on: Annotated[date | None, PlainValidator(_day)] = None
    left_on: Annotated[date | None, PlainValidator(_day)] = None
    note: Text(10_000) = ""


def _plugins(value: Any) -> dict[str, dict[str, Any]]:
    """``plugins = [keys]`` or ``[plugins.<key>]`` tables, checked against the installed plugins:
    wanted plugin key -> its settings (empty: the defaults)."""
    registry = get_registry()
    known = ", ".join(registry.plugin_keys())
    wanted: dict[str, dict[str, Any]] = {}
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(value, list):
        for index, key in enumerate(value):
            if not isinstance(key, str):
                problems.append(((index,), _("must be a plugin key (a string)")))
            elif key not in registry:
                problems.append(
                    ((index,), _("unknown plugin '%(key)s' (known: %(known)s)", key=key, known=known))
                )
            elif key in wanted:
                problems.append(((index,), _("'%(key)s' is listed twice", key=key)))
            else:
                wanted[key] = {}
    elif isinstance(value, dict):
        for key, settings in value.items():
            if key not in registry:
                problems.append(
                    ((key,), _("unknown plugin '%(key)s' (known: %(known)s)", key=key, known=known))
                )
            elif not isinstance(settings, dict):
                problems.append(((key,), _("must be a table")))
            else:
                defaults = registry.get(key).default_settings
                problems.extend(
                    ((key, name), problem)
                    for name, setting in settings.items()
                    if (problem := _settings_problem(defaults, name, setting))
                )
                wanted[key] = dict(settings)
    else:
        _fail(value, ((), _("must be a list of plugin keys, or [plugins.<key>] tables")))
    for key in wanted:
        missing = [required for required in registry.get(key).requires if required not in wanted]
        if missing:
            missing_keys = ", ".join(f"'{m}'" for m in missing)
            problems.append(
                ((), _("'%(key)s' needs %(missing)s; list it as well", key=key, missing=missing_keys))
            )
    if problems:
        _fail(value, *problems)
    return wanted


def _settings_problem(defaults: dict[str, Any], name: str, value: Any) -> str | None:
    """A setting must be one the plugin has, of the type of its default."""
    if name not in defaults:
        if not defaults:
            return _("the plugin has no settings")
        return _("unknown setting (known: %(keys)s)", keys=", ".join(sorted(defaults)))
    default = defaults[name]
    if default is None:
        return None
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int | float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, type(default))
    return None if ok else _("must be of type %(type)s", type=type(default).__name__)


class TenantDocument(Table):
    """A whole tenant.toml. ``plugins`` is None when the file leaves plugins alone."""

    tenant: TenantTable
    plugins: Annotated[dict[str, dict[str, Any]] | None, PlainValidator(_plugins)] = None
    circles: Annotated[list[CircleEntry], AfterValidator(_unique("name"))] = []
    parks: Annotated[list[ParkEntry], AfterValidator(_unique("name"))] = []
    themes: Annotated[list[ThemeEntry], AfterValidator(_unique("key"))] = []
    affiliations: Annotated[list[AffiliationEntry], AfterValidator(_unique("member"))] = []

    @model_validator(mode="after")
    def _only_regions_have_members(self) -> Self:
        if self.affiliations and self.tenant.kind != TenantKind.REGION:
            _fail(self, (("affiliations",), _("only a tenant of kind region has affiliations")))
        return self


# --- pydantic's errors in Kringwerk's words -------------------------------------------------


def parse(document: dict, label: str) -> TenantDocument:
    """Validate one parsed tenant.toml; ``label`` is the file as shown in messages."""
    try:
        return TenantDocument.model_validate(document)
    except ValidationError as error:
        messages = []
        for item in error.errors(include_url=False):
            where = _field_path(item["loc"])
            message = _message(item)
            messages.append(f"{label}: {where}: {message}" if where else f"{label}: {message}")
        raise SchemaError(messages) from None


def _field_path(loc: Iterable[str | int]) -> str:
    """``("circles", 1, "name")`` -> ``circles[1].name``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _message(item: dict) -> str:
    kind, loc, ctx = item["type"], item["loc"], item.get("ctx", {})
    if kind == "kringwerk":
        return ctx["message"]
    if kind == "missing":
        return _("missing table [tenant]") if loc == ("tenant",) else _("is required")
    if kind == "extra_forbidden":
        expected = ", ".join(_keys(_table_at(loc[:-1])))
        return _("unknown key (expected one of: %(keys)s)", keys=expected)
    if kind == "list_type":
        return _("must be a list of tables, written [[%(key)s]]", key=loc[-1])
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("must be a table")
    if kind == "string_type":
        return _("must be a string")
    if kind == "string_too_short":
        return _("must not be empty")
    if kind == "string_too_long":
        return _("must be at most %(max)s characters", max=ctx["max_length"])
    return item["msg"]  # not expected from this schema; pydantic's English beats nothing


def _keys(model: type[Table]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items() if not field.exclude]


def _table_at(loc: Iterable[str | int]) -> type[Table]:
    """The model of the table at ``loc``, following fields and list entries."""
    model: Any = TenantDocument
    for part in loc:
        if isinstance(part, str):
            field = next(f for name, f in model.model_fields.items() if (f.alias or name) == part)
            model = field.annotation
        while not (isinstance(model, type) and issubclass(model, Table)):
            model = get_args(model)[0]  # list[Entry] -> Entry
    return model
