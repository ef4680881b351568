"""The HSDS tabular data package: one CSV file per object, and datapackage.json."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from groups.importing import guard_cell

from . import hsds

# Table: its columns, in the order HSDS lists them (only those we fill).
TABLES: dict[str, list[str]] = {
    "organizations": ["id", "name", "description", "email", "website", "uri"],
    "services": [
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "application_process",
        "fees_description",
        "eligibility_description",
        "assured_date",
        "alert",
        "last_modified",
    ],
    "locations": ["id", "location_type", "url", "name", "description", "latitude", "longitude"],
    "service_at_location": ["id", "service_id", "location_id", "description"],
    "addresses": [
        "id",
        "location_id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ],
    "accessibility": ["id", "location_id", "description", "details"],
    "phones": ["id", "service_id", "number", "type"],
    "schedules": [
        "id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "valid_from",
        "dtstart",
        "wkst",
        "freq",
        "interval",
        "byday",
        "description",
        "opens_at",
        "closes_at",
        "attending_type",
        "notes",
    ],
    "languages": ["id", "service_id", "name", "code"],
    "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"],
    "taxonomies": ["id", "name", "description", "uri", "version"],
    "taxonomy_terms": [
        "id",
        "code",
        "name",
        "description",
        "parent_id",
        "taxonomy",
        "language",
        "taxonomy_id",
        "term_uri",
    ],
}
# Where each nested object of a service document goes.
NESTED = {
    "organization": "organizations",
    "phones": "phones",
    "schedules": "schedules",
    "service_at_locations": "service_at_location",
    "location": "locations",
    "addresses": "addresses",
    "accessibility": "accessibility",
    "languages": "languages",
    "attributes": "attributes",
    "taxonomy_term": "taxonomy_terms",
    "taxonomy_detail": "taxonomies",
}
FIELD_TYPES = {
    "latitude": "number",
    "longitude": "number",
    "interval": "number",
    "assured_date": "date",
    "dtstart": "date",
    "valid_from": "date",
    "last_modified": "datetime",
}


def _flatten(table: str, obj: dict[str, Any], rows: dict[str, dict[str, dict]]) -> None:
    row = {}
    for key, value in obj.items():
        if key in NESTED:
            for child in value if isinstance(value, list) else [value]:
                _flatten(NESTED[key], child, rows)
        else:
            row[key] = value
    unknown = set(row) - set(TABLES[table])
    if unknown:
        raise ValueError(f"{table} has no column for {sorted(unknown)}")
    rows[table].setdefault(row["id"], row)


def tables(absolute: hsds.Absolute) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, dict[str, dict]] = {name: {} for name in TABLES}
    for taxonomy in hsds.TAXONOMIES:
        _flatten("taxonomies", hsds.taxonomy_json(taxonomy, absolute), rows)
    for term in hsds.all_terms():
        _flatten("taxonomy_terms", hsds.term_json(term, absolute, nested=False), rows)
    for group in hsds.published_groups().in_chunks():
        _flatten("services", hsds.service_json(group, absolute), rows)
    return {name: list(by_id.values()) for name, by_id in rows.items()}


def _type(column: str) -> str:
    return FIELD_TYPES.get(column, "string")


def _cell(column: str, value: Any) -> str:
    """A value as its CSV cell. A spreadsheet runs a cell starting =, +, -, @, a tab or a
    carriage return as a formula, so string columns (organisers' text among them) go
    through the project's one guard; numbers and dates are exempt (a longitude starts
    with -), as in the CSV export."""
    if value is None:
        return ""
    text = repr(value) if isinstance(value, float) else str(value)
    return guard_cell(text) if _type(column) == "string" else text


def write_package(directory: Path, absolute: hsds.Absolute) -> dict[str, int]:
    """Writes one CSV per table and datapackage.json; returns the row count of each."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    resources = []
    for name, rows in tables(absolute).items():
        path = directory / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=TABLES[name], lineterminator="\r\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({key: _cell(key, value) for key, value in row.items()})
        counts[name] = len(rows)
        resources.append(
            {
                "name": name,
                "path": path.name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": column, "type": _type(column)} for column in TABLES[name]],
                    "primaryKey": "id",
                },
            }
        )
    package = {
        "name": "mutual-aid-directory",
        "title": "Mutual aid directory: groups as Open Referral HSDS 3.0",
        "profile": "tabular-data-package",
        "version": hsds.HSDS_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "resources": resources,
    }
    (directory / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return counts
