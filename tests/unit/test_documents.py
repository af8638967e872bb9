"""One source of truth for document shapes (issue 17 item 3): the schemaVersion ids the CLI
stamps are fozzy.schema_ids' ids, and the TS SDK's documents.ts is exactly the generator's
output."""

from __future__ import annotations

from fozzy import documents, documents_ts, schema_ids
from fozzy.artifacts import aliases, export, query, summary
from fozzy.modes import ci
from fozzy.scenario import schema
from workers.engine import memory


def test_checked_in_typescript_matches_the_generator() -> None:
    assert documents_ts.TARGET.read_text(encoding="utf-8") == documents_ts.render(), (
        "sdk-ts/src/documents.ts drifted: run python -m fozzy.documents_ts"
    )
    assert documents_ts.main(["--check"]) == 0


def test_modules_stamp_the_ids_defined_once() -> None:
    stamped = {schema.SCHEMA_VERSION, ci.SCHEMA, query.FLAKY_SCHEMA, export.BUNDLE_SCHEMA,
               aliases.SCHEMA, summary.MANIFEST_SCHEMA, memory.SCHEMA_VERSION}
    assert stamped == set(schema_ids.SCHEMA_VERSIONS.values())


def test_every_document_type_has_a_typescript_spelling() -> None:
    text = documents_ts.render()
    for td in documents.DOCUMENT_TYPES:
        assert f"export interface {td.__name__} {{" in text
