"""CSV import and export of companies.

Import: a UTF-8 file (with or without the BOM Excel writes), comma or
semicolon separated (Dutch Excel writes ";"), headers in Dutch or English.
Every row is checked before anything is written; one bad row means nothing is
imported and the user gets a report per row. A clean file is applied in one
transaction: a row whose KvK number belongs to an existing company updates it,
any other row creates a company.

Export: the same columns, UTF-8 with BOM and ";" so Dutch Excel opens it
as-is, with formula injection neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company, Theme
from kringwerk.members.services import MembersError, clean_company_values, merge_themes, normalise_kvk

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
LIST_SEPARATOR = "|"
FLUSH_EVERY = 500
# Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Column key -> (Dutch header, English header, other accepted spellings).
COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "name": ("naam", "name", ("bedrijfsnaam", "companyname", "company")),
    "kvk_number": ("kvk", "kvk", ("kvknummer", "kvknumber", "kvkno")),
    "sector": ("sector", "sector", ("branche", "industry")),
    "employees": ("medewerkers", "employees", ("werknemers", "aantalmedewerkers")),
    "street": ("straat", "street", ("adres", "address")),
    "postcode": ("postcode", "postcode", ("postalcode", "zipcode", "zip")),
    "city": ("plaats", "city", ("woonplaats", "vestigingsplaats", "town")),
    "website": ("website", "website", ("web", "url")),
    "email": ("email", "email", ("emailadres", "mail")),
    "phone": ("telefoon", "phone", ("telefoonnummer", "tel", "phonenumber")),
    "business_park": ("bedrijventerrein", "business_park", ("park", "terrein")),
    "circles": ("kringen", "circles", ("kring", "circle")),
    "themes": ("themas", "themes", ("thema", "theme")),
}
RELATION_COLUMNS = ("business_park", "circles", "themes")


def _header_key(text: str) -> str:
    """``"KvK-nummer"`` -> ``"kvknummer"``, ``"Thema's"`` -> ``"themas"``, ``"business_park"`` -> ``"businesspark"``."""
    return re.sub(r"[\s_\-'’.]", "", text.strip().strip('"').lower())


ALIASES: dict[str, str] = {}
for _key, (_dutch, _english, _others) in COLUMNS.items():
    for _spelling in (_dutch, _english, _key, *_others):
        ALIASES[_header_key(_spelling)] = _key


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str  # the header as written in the file
    value: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(MembersError):
    """The file as a whole cannot be read; nothing was imported."""

    def __init__(self, message) -> None:
        super().__init__(message, "file")


# --- reading -----------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileError(_l("The file is larger than 2 MB. Split it into smaller files."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _l("The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)”.")
        ) from None
    if "\x00" in text:
        raise ImportFileError(_l("This is not a CSV file. Save the spreadsheet as CSV first."))
    return text


def detect_delimiter(text: str) -> str:
    """``;`` (Dutch Excel) or ``,``, whichever the header line uses more."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


@dataclass
class ParsedFile:
    headers: list[str]  # as written in the file
    columns: dict[int, str]  # position -> column key
    ignored: list[str]
    rows: list[tuple[int, list[str]]]  # (row number, cells)


def parse(data: bytes) -> ParsedFile:
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    try:
        records = list(reader)
    except csv.Error:
        raise ImportFileError(
            _l("The file could not be read as CSV. Check its quotes and separators.")
        ) from None
    numbered = [
        (number, cells) for number, cells in enumerate(records, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        raise ImportFileError(_l("The file is empty."))
    header_number, headers = numbered[0]
    columns: dict[int, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for position, header in enumerate(headers):
        key = ALIASES.get(_header_key(header))
        if key is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        if key in seen:
            raise ImportFileError(
                _l(
                    "The columns “%(first)s” and “%(second)s” mean the same; keep one.",
                    first=seen[key],
                    second=header.strip(),
                )
            )
        seen[key] = header.strip()
        columns[position] = key
    if "name" not in columns.values():
        raise ImportFileError(
            _l("The file needs a column “naam” (or “name”) in its first row, with the company names.")
        )
    rows = numbered[1:]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _l(
                "The file has %(count)s rows; at most %(max)s can be imported at once. Split it into smaller files.",
                count=len(rows),
                max=MAX_ROWS,
            )
        )
    return ParsedFile(headers=[h.strip() for h in headers], columns=columns, ignored=ignored, rows=rows)


def _unprotect(cell: str) -> str:
    """Undo the apostrophe our export puts before formula-like cells, so a file
    exported and imported again comes back unchanged."""
    cell = cell.strip()
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _kvk_or_none(cell: str | None) -> str | None:
    """The row's KvK number if it is valid (a bad one is reported by the field check)."""
    try:
        return normalise_kvk(cell)
    except MembersError:
        return None


def _split_list(cell: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()))


# --- import ------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict
    kvk_number: str | None
    park: BusinessPark | None = None
    circles: list[Circle] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)


class _Lookups:
    """The tenant's parks, circles and themes, each loaded with one query."""

    def __init__(self) -> None:
        self.parks = {park.name.lower(): park for park in db.session.scalars(select(BusinessPark))}
        self.circles = {circle.name.lower(): circle for circle in db.session.scalars(select(Circle))}
        self.themes: dict[str, Theme] = {}
        for theme in db.session.scalars(select(Theme).order_by(Theme.position)):
            for name in (theme.name_en, theme.name_nl, theme.key):
                self.themes[name.lower()] = theme


def import_companies(data: bytes, *, actor, filename: str | None = None) -> ImportResult:
    """Check the whole file, then (only if every row is fine) create and update
    companies. Raises ``ImportFileError`` when the file itself is unusable; row
    problems come back in ``ImportResult.errors`` and nothing is written."""
    parsed = parse(data)
    result = ImportResult(ignored_columns=parsed.ignored, rows=len(parsed.rows))
    present = set(parsed.columns.values())
    header_of = {key: parsed.headers[position] for position, key in parsed.columns.items()}
    lookups = _Lookups()
    rows: list[_Row] = []
    first_row_with_kvk: dict[str, int] = {}

    for number, cells in parsed.rows:
        raw = {key: _unprotect(cells[pos]) if pos < len(cells) else "" for pos, key in parsed.columns.items()}
        errors: list[RowError] = []

        def error(key: str, message, value: str | None = None, *, _number=number, _raw=raw, _errors=errors):
            _errors.append(
                RowError(_number, header_of[key], _raw.get(key, "") if value is None else value, str(message))
            )

        extra = [cell for cell in cells[len(parsed.headers) :] if cell.strip()]
        if extra:
            result.errors.append(
                RowError(
                    number, "", extra[0], str(_l("This row has more cells than the first row has columns."))
                )
            )
        company_values = {key: raw[key] for key in raw if key not in RELATION_COLUMNS}
        try:
            cleaned = clean_company_values(company_values)
        except MembersError as problem:
            for key, message in problem.errors.items():
                error(key, message)
            cleaned = {}
        row = _Row(number=number, values=cleaned, kvk_number=_kvk_or_none(raw.get("kvk_number")))
        if row.kvk_number:
            if row.kvk_number in first_row_with_kvk:
                error(
                    "kvk_number",
                    _l("This KvK number is also in row %(row)s.", row=first_row_with_kvk[row.kvk_number]),
                )
            else:
                first_row_with_kvk[row.kvk_number] = number
        if raw.get("business_park"):
            row.park = lookups.parks.get(raw["business_park"].lower())
            if row.park is None:
                error(
                    "business_park",
                    _l(
                        "There is no business park called “%(name)s”; add it first.",
                        name=raw["business_park"],
                    ),
                )
        for name in _split_list(raw.get("circles", "")):
            circle = lookups.circles.get(name.lower())
            if circle is None:
                error("circles", _l("There is no circle called “%(name)s”; add it first.", name=name), name)
            else:
                row.circles.append(circle)
        for name in _split_list(raw.get("themes", "")):
            theme = lookups.themes.get(name.lower())
            if theme is None:
                error("themes", _l("There is no theme “%(name)s”.", name=name), name)
            elif not theme.active:
                error("themes", _l("The theme “%(name)s” is switched off.", name=theme.name), name)
            else:
                row.themes.append(theme)
        result.errors.extend(errors)
        rows.append(row)

    if result.errors:
        return result

    existing = _companies_by_kvk([row.kvk_number for row in rows if row.kvk_number])
    for index, row in enumerate(rows, start=1):
        if index % FLUSH_EVERY == 0:
            # Small flushes keep the tenancy flush guard's work per flush small.
            db.session.flush()
        company = existing.get(row.kvk_number) if row.kvk_number else None
        if company is None:
            company = Company()
            db.session.add(company)
            result.created += 1
        else:
            result.updated += 1
        for key, value in row.values.items():
            setattr(company, key, value)
        # Only the columns the file has: a file without "kringen" leaves circles alone.
        if "business_park" in present:
            company.business_park = row.park
        if "circles" in present:
            company.circles = sorted(row.circles, key=lambda circle: circle.name)
        if "themes" in present:
            company.themes = merge_themes(company.themes, row.themes)
    db.session.flush()
    record(
        "companies.imported",
        actor=actor,
        target_label=filename,
        details={"created": result.created, "updated": result.updated, "filename": filename},
    )
    return result


def _companies_by_kvk(kvk_numbers: Sequence[str], chunk: int = 500) -> dict[str, Company]:
    """Existing companies by KvK number, in chunks (SQLite limits bound parameters)."""
    found: dict[str, Company] = {}
    for start in range(0, len(kvk_numbers), chunk):
        part = kvk_numbers[start : start + chunk]
        statement = (
            select(Company)
            .where(Company.kvk_number.in_(part))
            .options(selectinload(Company.circles), selectinload(Company.themes))
        )
        found.update((company.kvk_number, company) for company in db.session.scalars(statement))
    return found


# --- export ------------------------------------------------------------------------------


def neutralise(value) -> str:
    """A cell as text, with a leading apostrophe when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _language(language: str | None) -> str:
    if language is None:
        try:
            language = get_locale().language
        except (AttributeError, RuntimeError):
            language = "nl"
    return "en" if language == "en" else "nl"


def headers(language: str | None = None) -> list[str]:
    """Column headers in the user's language (the import reads both)."""
    index = 1 if _language(language) == "en" else 0
    return [spelling[index] for spelling in COLUMNS.values()]


def _write(rows: Iterable[Sequence], language: str | None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers(language))
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    # The BOM tells Excel the file is UTF-8; without it, Excel reads é as Ã©.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _theme_name(theme: Theme, language: str) -> str:
    return theme.name_en if language == "en" else theme.name_nl


def _row_of(company: Company, language: str) -> list:
    return [
        company.name,
        company.kvk_number,
        company.sector,
        company.employees,
        company.street,
        company.postcode,
        company.city,
        company.website,
        company.email,
        company.phone,
        company.business_park.name if company.business_park else None,
        LIST_SEPARATOR.join(circle.name for circle in company.circles),
        LIST_SEPARATOR.join(_theme_name(theme, language) for theme in company.themes),
    ]


def export_companies(statement, language: str | None = None) -> bytes:
    """The companies ``statement`` selects (with relations loaded), as CSV bytes."""
    language = _language(language)
    return _write((_row_of(company, language) for company in db.session.scalars(statement)), language)


def example_csv(language: str | None = None) -> bytes:
    """A small file that imports cleanly in the tenant in scope, using its own park,
    circle and theme names where it has them."""
    language = _language(language)
    park = db.session.scalar(select(BusinessPark).order_by(func.lower(BusinessPark.name)).limit(1))
    circles = list(db.session.scalars(select(Circle).order_by(func.lower(Circle.name)).limit(2)))
    themes = list(db.session.scalars(select(Theme).where(Theme.active).order_by(Theme.position).limit(2)))
    rows = [
        [
            "Bakkerij De Korenaar",
            "12345678",
            "Detailhandel",
            "12",
            "Markt 1",
            "7241 AB",
            "Lochem",
            "www.dekorenaar.nl",
            "info@dekorenaar.nl",
            "0573 123456",
            park.name if park else "",
            LIST_SEPARATOR.join(circle.name for circle in circles),
            LIST_SEPARATOR.join(_theme_name(theme, language) for theme in themes),
        ],
        [
            "Installatiebedrijf Van Dijk",
            "87654321",
            "Bouw en installatie",
            "45",
            "Industrieweg 10",
            "9403 AA",
            "Assen",
            "",
            "",
            "",
            "",
            circles[0].name if circles else "",
            themes[0].key if themes else "",
        ],
    ]
    return _write(rows, language)
