"""Read articles from files: .txt, .md (optional front matter), .html, .jsonl (one per line), and
PDF and DOCX documents (`index.documents`).

Every file or line that cannot be used is reported with its name and the reason; the rest is
read. Nothing here raises for a single bad input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from index.article import Article
from index.documents import DOCUMENT_SUFFIXES, document_article
from index.errors import InputError
from index.sentences import split_sentences

ONE_ARTICLE = (".txt", ".md", ".html", ".htm", *DOCUMENT_SUFFIXES)  # a file that is one article
SUFFIXES = (*ONE_ARTICLE, ".jsonl")
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ARTICLE_CHARS = 2_000_000
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# "Has a visible character", spelled so that Python, pydantic's Rust regex and the ECMA regex
# of JSON Schema agree (their \s differ on U+001C-001F, U+0085 and U+FEFF).
NON_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"
# The same in the API's JSON Schema, where a pattern is the whole contract: no U+0000 anywhere
# (`nul_free`), and, for VISIBLE_TEXT, a visible character somewhere.
NUL_FREE_TEXT = r"^[^\x00]*$"
VISIBLE_TEXT = r"^[^\x00]*[^\s\x1c-\x1f\x85\ufeff\x00][^\x00]*$"
# ASCII letters, digits and . : @ + - _, but not dots alone: "." and ".." cannot be reached as
# /articles/{id} (URLs normalise them away), and a Cyrillic „sеed“ must not sit beside „seed“
# looking the same (issue #39).
ARTICLE_ID = r"^[A-Za-z0-9_.:@+\-]*[A-Za-z0-9_:@+\-][A-Za-z0-9_.:@+\-]*$"


def is_blank(text: str) -> bool:
    return re.search(NON_BLANK, text) is None


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


@dataclass
class ReadResult:
    articles: list[Article]
    skipped: list[Skipped]


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and supported files below named directories (recursively)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or directory")


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    _check_size(data)
    return data


def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 (byte {e.start})") from None
    if not text.strip():
        raise ValueError("empty file")
    return text


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[m.end() :]


def nul_free(text: str) -> str:
    """`text`, refused (ValueError) when it holds U+0000: PostgreSQL text cannot keep or search it
    and the file store could, so both stores refuse it alike (issue #39)."""
    if "\x00" in text:
        raise ValueError("contains a NUL character (U+0000); remove it")
    return text


def check_article(article: Article) -> Article:
    """Validate one article; raises ValueError with the reason."""
    for field in ("id", "title", "text", "url", "source"):
        try:
            nul_free(getattr(article, field) or "")
        except ValueError as e:
            raise ValueError(f"{field}: {e}") from None
    if is_blank(article.id):
        raise ValueError("empty id")
    if is_blank(article.text):
        raise ValueError("empty text")
    if len(article.text) > MAX_ARTICLE_CHARS:
        raise ValueError(f"text longer than {MAX_ARTICLE_CHARS} characters")
    if article.date is not None and not _DATE.match(article.date):
        raise ValueError(f"date {article.date!r} is not an ISO date (YYYY-MM-DD)")
    return article


def _text_article(stem: str, suffix: str, text: str) -> Article:
    meta, body = _front_matter(text)
    body = body.strip("\n")
    if suffix == ".md":
        heading = re.match(r"#\s+(.+)\n+", body)
        if heading and "title" not in meta:
            meta["title"] = heading.group(1).strip()
            body = body[heading.end() :]
    title = meta.get("title") or ""
    if not title:
        spans = split_sentences(body)
        title = body[spans[0][0] : spans[0][1]] if spans else body[:120]
    return Article(
        id=meta.get("id") or stem,
        title=title,
        text=body,
        date=meta.get("date") or None,
        url=meta.get("url") or None,
        source=meta.get("source") or None,
    )


def _html_article(stem: str, html: str) -> Article:
    """Main text, title, date and URL of a news page (trafilatura + htmldate)."""
    import trafilatura

    raw = trafilatura.extract(html, output_format="json", with_metadata=True, include_comments=False)
    if not raw:
        raise ValueError("no article text found in the HTML")
    meta = json.loads(raw)
    title = (meta.get("title") or "").strip()
    text = (meta.get("text") or "").strip()
    first, _, rest = text.partition("\n")
    if title and first.strip() == title and rest.strip():
        text = rest.strip()  # the headline is the title, not part of the body
    date = meta.get("date")
    return Article(
        id=stem,
        title=title or stem,
        text=text,
        date=date if date and _DATE.match(date) else None,
        url=meta.get("source") or None,
        source=meta.get("hostname") or None,
    )


def _jsonl_articles(path: Path, text: str, result: ReadResult) -> None:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            missing = [k for k in ("id", "text") if k not in obj]
            if missing:
                raise ValueError("missing field " + ", ".join(missing))
            result.articles.append(check_article(Article.from_dict(obj)))
        except json.JSONDecodeError as e:
            result.skipped.append(Skipped(name, f"malformed JSON ({e.msg}, column {e.colno})"))
        except (ValueError, TypeError) as e:
            result.skipped.append(Skipped(name, str(e)))


def article_from_bytes(name: str, data: bytes) -> Article:
    """The article in one file's bytes, by its name's suffix (any case: „Bericht.PDF“ is a PDF):
    a PDF or DOCX document, an HTML page, or text and Markdown; its id is the name's stem.
    ValueError says what is wrong with it; the caller names the file."""
    path = PurePath(name)
    suffix = path.suffix.lower()
    _check_size(data)
    if suffix in DOCUMENT_SUFFIXES:
        article = document_article(path.stem, suffix, data)
    elif suffix in (".html", ".htm"):
        article = _html_article(path.stem, _decode(data))
    elif suffix in (".txt", ".md"):
        article = _text_article(path.stem, suffix, _decode(data))
    else:
        raise ValueError(f"unsupported file type {path.suffix!r} (one article per file: {', '.join(ONE_ARTICLE)})")
    return check_article(article)


def read_paths(paths: Iterable[Path]) -> ReadResult:
    result = ReadResult([], [])
    for path in iter_files(paths):
        if path.suffix.lower() not in SUFFIXES:
            result.skipped.append(Skipped(str(path), f"unsupported file type {path.suffix!r}"))
            continue
        try:
            if path.suffix.lower() == ".jsonl":
                _jsonl_articles(path, _decode(_read(path)), result)
            else:
                result.articles.append(article_from_bytes(path.name, _read(path)))
        except (OSError, ValueError) as e:
            result.skipped.append(Skipped(str(path), str(e)))
    return result
