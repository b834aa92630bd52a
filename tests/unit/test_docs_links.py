"""Every link in the README and the docs works in a clone: relative links resolve to a file of the repository,
and none points outside it (the design notes beside the repository are not in a clone)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
# [text](target) and [text]: target (reference definitions); images too. Code spans are removed first.
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def links(document: Path) -> list[str]:
    """Every link target in a Markdown document, outside code blocks and code spans."""
    text = CODE_SPAN.sub("", FENCE.sub("", document.read_text(encoding="utf-8")))
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


def test_the_documents_have_links_to_check() -> None:
    assert len(DOCUMENTS) >= 3
    assert any(links(document) for document in DOCUMENTS)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_relative_link_resolves_to_a_file_in_the_repository(document: Path) -> None:
    broken = []
    for target in links(document):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # an absolute URL (https:, mailto:) or an anchor in the same document
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(REPO_ROOT.resolve()):
            broken.append(f"{target}: outside the repository")
        elif not path.exists():
            broken.append(f"{target}: no such file")
    assert not broken, f"{document.relative_to(REPO_ROOT)}: " + "; ".join(broken)


def test_the_link_check_catches_a_link_out_of_the_repository(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("The rules are in [DESIGN.md](../shared/DESIGN.md); `[not](a-link)`.\n", encoding="utf-8")
    assert links(page) == ["../shared/DESIGN.md"]
