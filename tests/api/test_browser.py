"""The chat page in real headless Chromium (Debian's chromium + chromium-driver)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from index.article import Article
from index.build import upsert_articles
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.judge import LlamaJudge
from rag.reader.onnx_reader import Reader
from tests.api.conftest import serve
from tests.conftest import ROOT

ARTIFACTS = ROOT / "artifacts"
XSS = Article(
    "xss-test",
    "Sicherheitslücke <script>alert(1)</script> im Rathaus",
    "Im Rathaus von Kleinstadt wurde eine Sicherheitslücke gemeldet: <script>alert(1)</script> und "
    '<img src=x onerror="alert(2)"> standen im Formular. Der Bürgermeister ließ das Formular sperren.',
    "2025-11-03",
)
UNTITLED = Article(
    "faehre-ohne-titel",
    "",
    "Die Fähre nach Helgoland fällt in dieser Woche wegen Sturm aus. Die Reederei bietet Ersatzflüge an.",
    "2025-10-01",
)

# Issue #39 items 10, 11, 13: an emoji before the quote, a right-to-left override inside the text,
# and a title of 1,000 characters without a space.
ODD = Article(
    "feier-1",
    "Feier" * 200,
    "🎉🎉 Die Feier in Kleinstadt begann am Abend. Der Chor \u202esang drei Lieder. "
    "Die Feier in Kleinstadt endete um Mitternacht.",
    "2025-11-04",
)


@pytest.fixture(scope="module")
def page_server(
    tmp_path_factory: pytest.TempPathFactory,
    seed_data_dir: Path,
    embedder: Embedder,
    reader: Reader,
    gemma: LlamaCppGenerator,
    model_settings: Settings,
) -> Iterator[str]:
    data = tmp_path_factory.mktemp("page") / "data"
    shutil.copytree(seed_data_dir, data, symlinks=True)
    upsert_articles(data, [XSS, UNTITLED, ODD], embedder)
    settings = model_settings.model_copy(update={"data_dir": data})
    yield from serve(create_app(settings, build_rag(settings, embedder=embedder, reader=reader, generator=gemma)))


@pytest.fixture(scope="module")
def judged_server(
    seed_data_dir: Path, embedder: Embedder, judge: LlamaJudge, model_settings: Settings
) -> Iterator[str]:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none", "judge": "on"})
    yield from serve(create_app(settings, build_rag(settings, embedder=embedder, judge=judge)))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_bin = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_bin:
        pytest.fail("chromium and chromium-driver are missing: `make test` installs them (apt-get)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
        f"--user-data-dir={tmp_path_factory.mktemp('chrome')}",
    ):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(driver_bin), options=opts)
    yield drv
    drv.quit()


def send(browser: Any, question: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.ID, "question")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)


def ask(browser: Any, question: str, turn: int) -> Any:
    send(browser, question)
    return wait_for_answer(browser, turn)


def wait_for_answer(browser: Any, turn: int) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def answered(d: Any) -> Any:
        turns = d.find_elements(By.CSS_SELECTOR, ".turn")
        if len(turns) < turn:
            return False
        a = turns[turn - 1].find_element(By.CSS_SELECTOR, ".a")
        return a if "draft" not in a.get_attribute("class") else False

    return WebDriverWait(browser, 180).until(answered)


def test_ask_click_citation_and_follow_up(browser: Any, page_server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page_server + "/")
    answer = ask(browser, "Was wurde über Taiwan gesagt?", 1)
    links = answer.find_elements(By.CSS_SELECTOR, "a.cite")
    assert links, answer.text
    # the quote of „Die heikle Taiwan-Frage sei laut Trump …“ names its speaker
    assert any(
        line.startswith("Die heikle Taiwan-Frage") and line.endswith("– Donald Trump")
        for line in answer.text.splitlines()
    ), answer.text
    links[0].click()
    panel = browser.find_element(By.ID, "panel")
    WebDriverWait(browser, 10).until(lambda d: panel.is_displayed())
    marks = [m.text for m in panel.find_elements(By.CSS_SELECTOR, "#p-passage mark")]
    assert any("Taiwan" in m for m in marks), marks
    # the sources name title, date and source and, once answered, the quoted sentences; no fusion score
    sources = [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".turn .sources li")]
    assert sources and not any("Relevanz" in x for x in sources), sources
    assert any("„Die heikle Taiwan-Frage sei laut Trump nicht angesprochen worden.“" in x for x in sources), sources
    # „Kopieren“ hands the answer's Markdown, footnotes and all, to the clipboard
    browser.execute_script(
        "window.copied = null; navigator.clipboard.writeText = t => { window.copied = t; return Promise.resolve(); };"
    )
    copy = browser.find_element(By.CSS_SELECTOR, ".turn .meta button.copy")
    copy.click()
    WebDriverWait(browser, 10).until(lambda d: copy.text == "Kopiert")
    copied = browser.execute_script("return window.copied;")
    assert copied.startswith("**Frage:** Was wurde über Taiwan gesagt?") and "\n[^1]: „" in copied, copied

    follow = ask(browser, "Und was sagte China dazu?", 2)
    assert follow.text.strip() and "Fehler" not in follow.text
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "browser-chat.png"))


def test_who_said_what_opens_a_person_and_their_statement(browser: Any, page_server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page_server + "/")
    answer = ask(browser, "Wer sagte was über Taiwan?", 1)
    assert answer.text.splitlines()[0] == "Donald Trump:", answer.text
    turn = browser.find_element(By.CSS_SELECTOR, ".turn")
    turn.find_element(By.XPATH, ".//button[text()='nach Person']").click()
    person = WebDriverWait(browser, 30).until(lambda d: turn.find_element(By.CSS_SELECTOR, ".people details"))
    assert not answer.is_displayed()
    summary = person.find_element(By.TAG_NAME, "summary")
    assert summary.text == "Donald Trump (1 Aussage)"
    summary.click()
    statement = person.find_element(By.CSS_SELECTOR, "a.cite")
    assert statement.text == "„Die heikle Taiwan-Frage sei laut Trump nicht angesprochen worden.“"
    statement.click()
    panel = browser.find_element(By.ID, "panel")
    WebDriverWait(browser, 10).until(lambda d: panel.is_displayed())
    mark = panel.find_element(By.CSS_SELECTOR, "#p-passage mark")
    assert mark.text.startswith("Die heikle Taiwan-Frage") and mark.get_attribute("title") == "Zitat von Donald Trump"
    turn.find_element(By.XPATH, ".//button[text()='nach Artikel']").click()
    assert answer.is_displayed()


def test_the_person_view_keeps_the_period_the_question_named(browser: Any, page_server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page_server + "/")
    browser.execute_script(
        "window.urls = []; const f = window.fetch;"
        "window.fetch = (u, o) => { window.urls.push(String(u)); return f(u, o); };"
    )
    answer = ask(browser, "Wer sagte 2025 was über Taiwan?", 1)  # the seed has no date: it stays in
    assert "Zeitraum aus der Frage („2025“)" in answer.text, answer.text
    turn = browser.find_element(By.CSS_SELECTOR, ".turn")
    turn.find_element(By.XPATH, ".//button[text()='nach Person']").click()
    WebDriverWait(browser, 30).until(lambda d: turn.find_element(By.CSS_SELECTOR, ".people details"))
    urls = browser.execute_script("return window.urls;")
    assert "/speakers?about=Taiwan&since=2025-01-01&until=2025-12-31&include_undated=true" in urls, urls


def test_an_abstention_says_why_and_offers_the_closest_passages(browser: Any, page_server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page_server + "/")
    answer = ask(browser, "Wie viele Soldaten hat China nach Malaysia geschickt?", 1)
    assert "abstained" in answer.get_attribute("class")
    assert "Die gefundenen Stellen beantworten die Frage wahrscheinlich nicht." in answer.text
    assert answer.find_elements(By.CSS_SELECTOR, ".related li a.cite")


def test_page_fits_a_phone_screen(browser: Any, page_server: str) -> None:
    browser.set_window_size(390, 844)
    try:
        browser.get(page_server + "/")
        ask(browser, "Was wurde über Taiwan gesagt?", 1)
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"page is {width}px wide on a 390px screen"
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "browser-phone.png"))
    finally:
        browser.set_window_size(1200, 900)


def test_article_markup_is_shown_as_text(browser: Any, page_server: str) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get(page_server + "/")
    answer = ask(browser, "Was stand im Formular im Rathaus von Kleinstadt?", 1)
    assert "<script>alert(1)</script>" in answer.text or "onerror" in answer.text, answer.text
    answer.find_elements(By.CSS_SELECTOR, "a.cite")[0].click()
    passage = browser.find_element(By.ID, "p-passage")
    assert "<script>alert(1)</script>" in passage.text
    assert browser.find_elements(By.CSS_SELECTOR, "#panel script, #panel img, #log img") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - raises when no alert() ran
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "browser-xss.png"))


def test_a_conversation_of_more_than_fifty_turns_keeps_working(browser: Any, page_server: str) -> None:
    """The server takes at most 50 history items; the page sends only the recent turns, so the
    27th question and every later one are answered instead of failing with a 422."""
    browser.get(page_server + "/")
    questions = ["Was wurde über Taiwan gesagt?", "Wo trafen sich Hegseth und Dong?", "Und was sagte China dazu?"]
    for turn in range(1, 52):
        answer = ask(browser, questions[turn % 3], turn)
        assert "Fehler" not in answer.text, f"turn {turn}: {answer.text}"
    sent = browser.execute_script("return recentHistory().length")
    assert 0 < sent <= 8


def test_a_source_without_title_is_labelled_by_its_id(browser: Any, page_server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page_server + "/")
    ask(browser, "Warum fällt die Fähre nach Helgoland aus?", 1)
    labels = [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".turn .sources li")]
    assert any(label.startswith("faehre-ohne-titel · ") for label in labels), labels


def test_the_page_says_it_is_checking_then_marks_an_unsure_answer(browser: Any, judged_server: str) -> None:
    """The packaged judge passes „Wie reagierte Peking?“ below the sure level (the seed says only
    that China has not commented; tests/rag/test_judge.py), and „Taiwan“ above it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(judged_server + "/")
    send(browser, "Wie reagierte Peking?")
    # while the judge reads (seconds), the answer box says what is happening
    draft = ".turn .a.draft"
    checking = "Prüfe, ob die Belege die Frage beantworten"
    WebDriverWait(browser, 60).until(lambda d: any(checking in e.text for e in d.find_elements(By.CSS_SELECTOR, draft)))
    unsure = wait_for_answer(browser, 1)
    assert checking not in unsure.text
    assert "uncertain" in unsure.get_attribute("class")
    warning = unsure.find_element(By.CSS_SELECTOR, ".warn").text
    assert warning.startswith("Unsichere Antwort (Sicherheit ") and "Bitte prüfen" in warning, warning
    assert unsure.find_elements(By.CSS_SELECTOR, "a.cite")  # the quotes are still there to check
    meta = browser.find_elements(By.CSS_SELECTOR, ".turn .meta")[0].text
    assert " · Prüfung " in meta, meta  # the judge's time, beside search and generation
    sure = ask(browser, "Was wurde über Taiwan gesagt?", 2)
    assert "uncertain" not in sure.get_attribute("class") and sure.find_elements(By.CSS_SELECTOR, ".warn") == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "browser-unsure.png"))


def test_emoji_bidi_controls_and_a_long_title_do_not_break_the_page(browser: Any, page_server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page_server + "/")
    answer = ask(browser, "Wann endete die Feier in Kleinstadt?", 1)
    # every piece of answer text is isolated, so a U+202E in it cannot reorder the [n] after it
    bare = browser.execute_script(
        "return Array.from(arguments[0].childNodes).filter(n => n.nodeType === 3 && n.textContent.trim()).length",
        answer,
    )
    assert bare == 0 and answer.find_elements(By.CSS_SELECTOR, "bdi")
    link = next(a for a in answer.find_elements(By.CSS_SELECTOR, "a.cite") if a.text.startswith("["))
    link.click()
    panel = browser.find_element(By.ID, "panel")
    WebDriverWait(browser, 10).until(lambda d: panel.is_displayed())
    marks = [m.text for m in panel.find_elements(By.CSS_SELECTOR, "#p-passage mark")]
    # code-point offsets: the two emoji before the quote no longer cut its end short
    assert "Die Feier in Kleinstadt endete um Mitternacht." in marks, marks
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth"), "the long title pushed the page sideways"


class _SlowEcho:
    """A generator that streams an unverifiable reply slowly, as a remote model might."""

    name = "slow-echo"

    def __init__(self) -> None:
        from rag.generator import EchoGenerator

        self._echo = EchoGenerator("UNGEPRUEFT erfundene Behauptung ohne Beleg aus keinem Artikel [1]")

    def fits(self, messages: Any, max_tokens: int) -> bool:
        return True

    def generate(
        self, messages: Any, max_tokens: int, temperature: float, stop: Any = None, grammar: Any = None
    ) -> Any:
        import time

        for piece in self._echo.generate(messages, max_tokens, temperature, stop, grammar):
            time.sleep(0.3)
            yield piece


@pytest.fixture(scope="module")
def generating_server(seed_data_dir: Path, embedder: Embedder, model_settings: Settings) -> Iterator[str]:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "mode": "generative"})
    rag = build_rag(settings, embedder=embedder, generator=_SlowEcho())  # type: ignore[arg-type]
    yield from serve(create_app(settings, rag))


def test_the_page_shows_progress_not_the_models_unverified_tokens(browser: Any, generating_server: str) -> None:
    """Issue #39 item 15: the draft showed raw tokens for up to 60 s before verification."""
    import time

    from selenium.webdriver.common.by import By

    browser.get(generating_server + "/")
    send(browser, "Was wurde über Taiwan gesagt?")
    drafts: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        boxes = browser.find_elements(By.CSS_SELECTOR, ".turn .a")
        if boxes:
            if "draft" not in (boxes[0].get_attribute("class") or ""):
                break
            drafts.append(boxes[0].text)
        time.sleep(0.1)
    assert any("Antwort wird erzeugt" in d for d in drafts), drafts
    assert not any("UNGEPRUEFT" in d for d in drafts), drafts  # the unverified text never showed
    final = browser.find_element(By.CSS_SELECTOR, ".turn .a").text
    assert "UNGEPRUEFT" not in final and "[1]" in final  # verification dropped it: the quotes answer
