"""The built front-end assets: found where the build writes them, missing ones named with
the command that makes them, and the term list the SPARQL editor completes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph

from conflictkg.vocab import PREFIXES
from conflictkg.web.assets import (
    ASSETS,
    BUILD_COMMAND,
    EDITOR_JS,
    REGION_GEOJSON,
    AssetsMissing,
    built_assets,
    editor_terms,
    load_region,
)

ROOT = Path(__file__).resolve().parents[2]


def test_missing_assets_are_named_with_the_command_that_builds_them(tmp_path: Path) -> None:
    assets = built_assets(tmp_path)
    assert not assets.ready
    assert assets.missing == ASSETS
    with pytest.raises(AssetsMissing) as raised:
        assets.path(EDITOR_JS)
    assert EDITOR_JS in str(raised.value) and BUILD_COMMAND in str(raised.value)
    assert str(tmp_path) in str(raised.value)


def test_present_assets_are_found_with_their_size(tmp_path: Path) -> None:
    (tmp_path / "map").mkdir()
    for name in ASSETS:
        (tmp_path / name).write_text("x" * 3)
    assets = built_assets(tmp_path)
    assert assets.ready and assets.path(REGION_GEOJSON) == tmp_path / REGION_GEOJSON
    assert assets.sizes[EDITOR_JS] == 3
    with pytest.raises(ValueError, match="not a built asset"):
        assets.path("other.js")


def test_load_region_names_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "region.geojson"
    broken.write_text("{")
    with pytest.raises(ValueError, match=r"region\.geojson: line 1"):
        load_region(broken)
    broken.write_text(json.dumps({"type": "Feature"}))
    with pytest.raises(ValueError, match="not a GeoJSON FeatureCollection"):
        load_region(broken)
    with pytest.raises(AssetsMissing, match=BUILD_COMMAND):
        load_region(tmp_path / "absent.geojson")


def test_the_front_end_build_has_run() -> None:
    """``make test`` builds the front-end first; every asset is then in place."""
    assets = built_assets()
    assert assets.ready, assets.message()
    manifest = json.loads(assets.path("manifest.json").read_text(encoding="utf-8"))
    for name in (EDITOR_JS, REGION_GEOJSON):
        assert manifest["files"][name]["bytes"] == assets.sizes[name]


def test_editor_terms_lists_classes_and_properties_by_prefixed_name() -> None:
    graph = Graph().parse(
        data="""
        @prefix ckg: <https://w3id.org/conflictkg/ontology#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ckg:Airstrike a owl:Class ; rdfs:label "airstrike"@en, "frappe aérienne"@fr .
        ckg:claimant a owl:ObjectProperty ; rdfs:label "claimant"@en .
        ckg:deathsLow a owl:DatatypeProperty .
        <http://example.org/elsewhere#Thing> a owl:Class .
        """,
        format="turtle",
    )
    terms = editor_terms(graph, PREFIXES)
    assert terms == [
        {
            "iri": PREFIXES["ckg"] + "Airstrike",
            "curie": "ckg:Airstrike",
            "label": "airstrike",
            "kind": "class",
        },
        {
            "iri": PREFIXES["ckg"] + "claimant",
            "curie": "ckg:claimant",
            "label": "claimant",
            "kind": "object property",
        },
        {
            "iri": PREFIXES["ckg"] + "deathsLow",
            "curie": "ckg:deathsLow",
            "label": "",
            "kind": "datatype property",
        },
    ]


def test_editor_terms_of_the_ontology_cover_its_classes() -> None:
    graph = Graph().parse(ROOT / "ontology" / "conflictkg.ttl")
    terms = {t["curie"]: t for t in editor_terms(graph, PREFIXES)}
    assert terms["ckg:Airstrike"]["kind"] == "class"
    assert terms["geo:asWKT"]["kind"] == "datatype property"
    assert all(t["iri"].startswith(tuple(PREFIXES.values())) for t in terms.values())
