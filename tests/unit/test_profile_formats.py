"""Profile exports read back by independent consumers: speedscope's published JSON schema,
the `protobuf` runtime against profile.proto's descriptor, opentelemetry-proto's OTLP/JSON
mapping, an XML parser for the SVG flame graph."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from fozzy.analysis.profile import flame, html, otlp, pprof, spans
from fozzy.analysis.profile.bundle import Bundle
from tests.unit.enginekit import run

SCHEMA = Path(__file__).parent.parent / "fixtures" / "speedscope-file-format-schema.json"
STEPS = [
    {"type": "memory_alloc", "bytes": 1000, "key": "a", "tag": "cache"},
    {"type": "memory_alloc", "bytes": 24, "key": "b"},
    {"type": "sleep", "duration": "30ms"},
    {"type": "memory_free", "key": "b"},
    {"type": "trace_event", "name": "note", "fields": {"x": 1}},
]


def bundle(samples: dict[str, Any] | None = None) -> Bundle:
    result = run(STEPS)
    assert result["status"] == "fail", result["findings"]  # the leak of `a` (1000 bytes)
    measurements = result["measurements"]
    if samples is not None:
        measurements = {**measurements, "samples": samples}
    return Bundle(label="t.fozzy", run_id="0b9c6f1e-2a4d-4c8e-9f00-123456789abc", seed=7,
                  scenario="fmt", status="fail", events=result["events"],
                  measurements=measurements, memory=None, wall_ms=1.0,
                  virtual_ms=result["virtualMs"], started_unix_ns=1_700_000_000_000_000_000)


SAMPLES = {"periodNs": 1_000_000,
           "frames": [{"name": "target", "file": "/p/t.py", "line": 3},
                      {"name": "hot", "file": "/p/t.py", "line": 9}],
           "stacks": [[0], [0, 1]], "counts": [2, 5]}


@pytest.mark.parametrize("domain", ["cpu", "heap", "latency"])
def test_speedscope_is_valid_against_the_published_schema(domain: str) -> None:
    doc = flame.speedscope(bundle(SAMPLES), domain)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    (profile,) = doc["profiles"]
    assert profile["unit"] == {"cpu": "milliseconds", "heap": "bytes",
                               "latency": "milliseconds"}[domain]
    if domain == "heap":
        assert sum(profile["weights"]) == 1024
    if domain == "latency":
        assert profile["type"] == "evented" and profile["endValue"] == 30


def _pprof_classes() -> Any:
    """profile.proto's messages, built from a descriptor at test time (no protoc)."""
    fdp = descriptor_pb2.FileDescriptorProto(name="profile.proto", package="perftools.profiles",
                                             syntax="proto3")
    F = descriptor_pb2.FieldDescriptorProto
    rep, opt = F.LABEL_REPEATED, F.LABEL_OPTIONAL

    def msg(name: str, *fields: tuple[str, int, int, int, str]) -> None:
        m = fdp.message_type.add(name=name)
        for fname, num, label, ftype, tname in fields:
            f = m.field.add(name=fname, number=num, label=label, type=ftype)
            if tname:
                f.type_name = f".perftools.profiles.{tname}"

    i64, u64, s, b, m_ = F.TYPE_INT64, F.TYPE_UINT64, F.TYPE_STRING, F.TYPE_BOOL, F.TYPE_MESSAGE
    msg("ValueType", ("type", 1, opt, i64, ""), ("unit", 2, opt, i64, ""))
    msg("Label", ("key", 1, opt, i64, ""), ("str", 2, opt, i64, ""), ("num", 3, opt, i64, ""),
        ("num_unit", 4, opt, i64, ""))
    msg("Sample", ("location_id", 1, rep, u64, ""), ("value", 2, rep, i64, ""),
        ("label", 3, rep, m_, "Label"))
    msg("Mapping", ("id", 1, opt, u64, ""), ("memory_start", 2, opt, u64, ""),
        ("memory_limit", 3, opt, u64, ""), ("file_offset", 4, opt, u64, ""),
        ("filename", 5, opt, i64, ""), ("build_id", 6, opt, i64, ""),
        ("has_functions", 7, opt, b, ""))
    msg("Line", ("function_id", 1, opt, u64, ""), ("line", 2, opt, i64, ""),
        ("column", 3, opt, i64, ""))
    msg("Location", ("id", 1, opt, u64, ""), ("mapping_id", 2, opt, u64, ""),
        ("address", 3, opt, u64, ""), ("line", 4, rep, m_, "Line"),
        ("is_folded", 5, opt, b, ""))
    msg("Function", ("id", 1, opt, u64, ""), ("name", 2, opt, i64, ""),
        ("system_name", 3, opt, i64, ""), ("filename", 4, opt, i64, ""),
        ("start_line", 5, opt, i64, ""))
    msg("Profile", ("sample_type", 1, rep, m_, "ValueType"), ("sample", 2, rep, m_, "Sample"),
        ("mapping", 3, rep, m_, "Mapping"), ("location", 4, rep, m_, "Location"),
        ("function", 5, rep, m_, "Function"), ("string_table", 6, rep, s, ""),
        ("drop_frames", 7, opt, i64, ""), ("keep_frames", 8, opt, i64, ""),
        ("time_nanos", 9, opt, i64, ""), ("duration_nanos", 10, opt, i64, ""),
        ("period_type", 11, opt, m_, "ValueType"), ("period", 12, opt, i64, ""),
        ("comment", 13, rep, i64, ""), ("default_sample_type", 14, opt, i64, ""))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("perftools.profiles.Profile"))


def test_pprof_decodes_with_the_protobuf_runtime() -> None:
    b = bundle(SAMPLES)
    raw = gzip.decompress(pprof.export(b, "cpu"))
    prof = _pprof_classes().FromString(raw)
    strings = list(prof.string_table)
    assert strings[0] == ""
    assert [(strings[t.type], strings[t.unit]) for t in prof.sample_type] == [
        ("cpu", "nanoseconds")]
    funcs = {f.id: f for f in prof.function}
    locs = {loc.id: loc for loc in prof.location}

    def names(sample: Any) -> list[str]:  # leaf first in pprof
        return [strings[funcs[locs[i].line[0].function_id].name] for i in sample.location_id]

    by_leaf = {names(s)[0]: (names(s), s.value[0]) for s in prof.sample}
    hot_names, hot_ns = by_leaf["hot"]
    assert hot_names == ["hot", "target", "scenario fmt"] and hot_ns == 5_000_000
    hot_fn = next(f for f in prof.function if strings[f.name] == "hot")
    assert strings[hot_fn.filename] == "/p/t.py"
    assert sum(s.value[0] for s in prof.sample) == sum(w for _, w in flame.require(b, "cpu"))


def test_otlp_loads_with_the_opentelemetry_proto_json_mapping() -> None:
    from opentelemetry.proto.trace.v1 import trace_pb2

    doc = otlp.export(bundle())
    spans_json = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    # OTLP/JSON writes ids as hex where protobuf's JSON mapping expects base64: convert the
    # way OTLP receivers do, then let the generated classes check every other field.
    for sp in spans_json:
        assert len(sp["traceId"]) == 32 and len(sp["spanId"]) == 16
        assert isinstance(sp["startTimeUnixNano"], str)
        for key in ("traceId", "spanId", "parentSpanId"):
            if key in sp:
                sp[key] = base64.b64encode(bytes.fromhex(sp[key])).decode()
    data = json_format.ParseDict(doc, trace_pb2.TracesData())
    parsed = data.resource_spans[0].scope_spans[0].spans
    root = next(s for s in parsed if not s.parent_span_id)
    sleep = next(s for s in parsed if s.name == "step[2] sleep")
    assert sleep.parent_span_id == root.span_id and len(root.trace_id) == 16
    assert sleep.end_time_unix_nano - sleep.start_time_unix_nano == 30_000_000


@pytest.mark.parametrize("domain", ["cpu", "heap", "latency"])
def test_svg_flame_graph_is_well_formed_xml(domain: str) -> None:
    root = ElementTree.fromstring(flame.svg(bundle(SAMPLES), domain).encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rects = root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert len(rects) >= 3
    widths = [float(r.get("width", "0")) for r in rects]
    assert max(widths) == pytest.approx(flame.SVG_WIDTH)


def test_folded_stacks_are_frames_and_an_integer_weight() -> None:
    text = flame.folded(flame.require(bundle(SAMPLES), "cpu"), "cpu")
    lines = text.strip().splitlines()
    assert "scenario fmt;target (/p/t.py:3);hot (/p/t.py:9) 5000" in lines
    assert all(line.rsplit(" ", 1)[1].isdigit() for line in lines)


def test_html_timeline_is_self_contained() -> None:
    page = html.render(bundle())
    assert page.startswith("<!DOCTYPE html>") and "step[2] sleep" in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


def test_critical_path_follows_the_chain_that_ends_the_run() -> None:
    events = [
        {"time_ms": 0, "name": "span_start", "fields": {"span": "a"}},
        {"time_ms": 0, "name": "span_start", "fields": {"span": "a1"}},
        {"time_ms": 4, "name": "span_end", "fields": {"span": "a1"}},
        {"time_ms": 4, "name": "span_start", "fields": {"span": "a2"}},
        {"time_ms": 10, "name": "span_end", "fields": {"span": "a2"}},
        {"time_ms": 12, "name": "span_end", "fields": {"span": "a"}},
        {"time_ms": 12, "name": "span_start", "fields": {"span": "b"}},
        {"time_ms": 15, "name": "span_end", "fields": {"span": "b"}},
    ]
    path = spans.critical_path(spans.build(events, 15))
    assert [(s["span"], s["selfMs"]) for s in path] == [
        ("a", 2), ("a1", 4), ("a2", 6), ("b", 3)]
