"""The record standard in code matches the written standard and the user documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from darkfigure.records import COLUMNS, COLUMNS_BY_NAME, IDENTITY_COLUMNS, standard_markdown

ROOT = Path(__file__).resolve().parents[2]
SHARED_STANDARD = Path("/work/shared/design/record-standard.md")


def test_docs_tables_are_generated_from_the_code() -> None:
    doc = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- columns:start -->\n(.*?)<!-- columns:end -->", doc, re.S)
    assert block is not None, "docs/records.md lost its generated block"
    assert block.group(1) == standard_markdown(), "regenerate: see docs/records.md header"


def test_identity_columns_are_the_ones_the_brief_protects() -> None:
    assert {
        "family_name", "given_name", "full_name", "name_zh", "alias", "date_of_birth",
        "document_number", "phone",
    } == IDENTITY_COLUMNS  # fmt: skip


def test_only_record_id_is_required_and_names_are_unique() -> None:
    assert [c.name for c in COLUMNS if c.required] == ["record_id"]
    assert len(COLUMNS_BY_NAME) == len(COLUMNS)


@pytest.mark.skipif(not SHARED_STANDARD.exists(), reason="the shared design folder is not here")
def test_code_lists_match_the_written_standard_exactly() -> None:
    text = SHARED_STANDARD.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)`(?: / `([a-z_]+)`)? \| ([^|]+) \| ([^|]*) \|$", text, re.M)
    written = {}
    for name, other, type_, notes in rows:
        for col in filter(None, (name, other)):
            written[col] = notes if "`" in notes else type_  # consent_to_share: codes in "type"
    assert set(written) == {c.name for c in COLUMNS}
    for column in COLUMNS:
        if column.kind in ("code", "codes"):
            codes = tuple(re.findall(r"`([a-z_0-9]+)`", written[column.name]))
            assert column.codes == codes, column.name
