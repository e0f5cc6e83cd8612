"""The home page's schema.org block: data that no text of the dataset can turn into script."""

from __future__ import annotations

import json
import re

from flask.testing import FlaskClient

from conflictkg.web.downloads import Downloads


def test_jsonld_block_escapes_markup_and_stays_the_same_json() -> None:
    described = {"@type": "Dataset", "name": "a </script><script>alert(1)</script> & more"}
    block = str(Downloads({}, {}, schema_org=json.dumps(described)).jsonld_script())
    assert block.startswith('<script type="application/ld+json">')
    assert block.count("</script>") == 1 and block.endswith("</script>")
    assert "<script>" not in block and "&" not in block.removeprefix("<script")
    inner = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', block, re.S)
    assert inner is not None and json.loads(inner.group(1)) == described


def test_no_block_without_a_build(client: FlaskClient) -> None:
    # the sample dataset is served with --dataset: no build, so no catalogue record
    assert Downloads({}, {}).jsonld_script() == ""
    page = client.get("/").get_data(as_text=True)
    assert "application/ld+json" not in page
