"""The README is for users: short, its settings table generated from `Settings`, its links alive."""

from __future__ import annotations

import re

from rag.lab.settings_doc import block, written
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_settings_table_is_the_one_settings_generates() -> None:
    assert written(README) == block(), "run `.venv/bin/python -m rag.lab.settings_doc README.md`"


def test_every_setting_is_in_the_readme_with_its_description() -> None:
    from rag.config import Settings

    for name, field in Settings.model_fields.items():
        assert f"`RAG_{name.upper()}`" in README
        assert (field.description or "").replace("|", "\\|") in README


def test_the_readme_stays_short_and_its_local_links_lead_somewhere() -> None:
    assert len(README.splitlines()) <= 300
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for doc in docs:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)} links to missing {target}"
