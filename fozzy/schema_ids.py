"""The `schemaVersion` ids fozzy stamps on the documents it writes, apart from the documents'
shapes (`fozzy.documents`): every command writes a run manifest and needs its id, while the
shapes are TypedDicts whose creation (~2 ms) only the SDKs and their generator need."""

SCHEMA_DOC = "fozzy.schema_doc.v4"
CI_REPORT = "fozzy.ci_report.v1"
FLAKY_REPORT = "fozzy.flaky_report.v1"
BUNDLE_REPORT = "fozzy.bundle_report.v1"
RUN_ALIAS_INDEX = "fozzy.run_alias_index.v1"
RUN_MANIFEST = "fozzy.run_manifest.v1"
#: Written by workers/engine/memory.py, which cannot import fozzy; a test keeps them equal.
MEMORY_REPORT = "fozzy.memory_report.v1"

#: Every schemaVersion id fozzy writes, by the document it names.
SCHEMA_VERSIONS: dict[str, str] = {
    "SchemaDoc": SCHEMA_DOC,
    "CiReport": CI_REPORT,
    "FlakyReport": FLAKY_REPORT,
    "BundleReport": BUNDLE_REPORT,
    "RunAliasIndex": RUN_ALIAS_INDEX,
    "RunManifest": RUN_MANIFEST,
    "MemoryReport": MEMORY_REPORT,
}
