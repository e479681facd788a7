"""The site in a real headless Chromium, opened from disk (file://) and from a loopback static host.

Built from the demo listing plus daily-arXiv-ai-enhanced's four sample days: search finds a paper from
another day, the category filter and the date switch work, preferences reorder and highlight,
the console stays clean, no request leaves the site, a phone's width needs no horizontal scroll,
dark mode keeps its contrast, and the controls work from the keyboard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.core.settings import LLMSettings, PathSettings, Settings, SiteSettings
from summarizer.demo import run_demo
from summarizer.jobs.history.import_dae import import_dae
from summarizer.jobs.site.build import build_site
from tests import browser
from tests.conftest import FIXTURES

if not browser.available():  # make test installs Debian's chromium and chromium-driver when they are missing
    pytest.fail("Chromium and chromedriver are needed: apt-get install chromium chromium-driver", pytrace=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    settings = Settings(llm=LLMSettings(model="m", api_key="k"),
                        paths=PathSettings(cache_dir=str(tmp / "cache"), output_dir=str(tmp / "out")),
                        site=SiteSettings(plain_days=1))  # every day but the newest, and their months, packed
    asyncio.run(run_demo(tmp / "out"))
    import_dae(settings, FIXTURES / "dae")
    return build_site(settings).site


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    d = browser.start_browser()
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture(scope="module", params=["file", "http"])
def base(request: pytest.FixtureRequest, site: Path) -> Iterator[str]:
    if request.param == "file":
        yield site.as_uri() + "/"
    else:
        with browser.serve(site) as url:
            yield url


def open_page(driver: Any, url: str, ready: str = "main h2, main .status") -> None:
    driver.get(url)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if driver.execute_script(f"return document.querySelector({ready!r}) !== null && !SITE.busy()"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{url} did not render {ready}")


def wait_search(driver: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        stats = driver.execute_script("return window.SITE && SITE.searchStats")
        if stats and stats.get("done") is not None:
            return stats  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the search did not finish")


def ids(driver: Any, selector: str = "article[data-paper-id]") -> list[str]:
    return driver.execute_script(
        f"return Array.from(document.querySelectorAll({selector!r})).filter(e => e.offsetParent !== null)"
        ".map(e => e.dataset.paperId)")  # type: ignore[no-any-return]


def test_opens_on_the_newest_day_without_placeholders(driver: Any, base: str) -> None:
    open_page(driver, base + "index.html")
    assert driver.find_element("css selector", "main h2").text.startswith("2026-05-21")
    assert len(ids(driver)) == 231
    assert driver.find_element("tag name", "html").get_attribute("lang") == "zh-Hans"
    text = driver.find_element("tag name", "main").text
    assert "Summary generation failed" not in text and "Method extraction failed" not in text
    assert len(driver.find_elements("css selector", "article .pending")) == 48


def test_search_finds_papers_of_other_days(driver: Any, base: str) -> None:
    open_page(driver, base + "index.html?q=CAM-Seg")
    stats = wait_search(driver)
    found = driver.find_elements("css selector", 'section[data-day="2025-03-21"] li[data-paper-id="2503.15617"]')
    assert found and stats["count"] >= 1 and stats["first"] is not None
    open_page(driver, base + "index.html?q=" + "零样本组合图像检索")  # Chinese has no spaces: substrings match
    wait_search(driver)
    assert "2512.20781" in ids(driver, "li.result[data-paper-id]")
    link = driver.find_element("css selector", 'li.result[data-paper-id="2512.20781"] a')
    link.click()
    deadline = time.monotonic() + 10
    while "2025-12-24" not in browser.text_of(driver, "main h2") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert browser.text_of(driver, "main h2").startswith("2025-12-24")


def test_category_filter_and_date_switch(driver: Any, base: str) -> None:
    open_page(driver, base + "index.html?date=2025-12-24")
    assert len(ids(driver)) == 38
    driver.find_element("css selector", 'button[data-category="cs.IR"]').click()
    assert len(ids(driver)) == 7
    assert driver.find_element("css selector", 'button[data-category="cs.IR"]').get_attribute("aria-pressed") == "true"
    driver.find_element("css selector", "#days a.step[aria-label]").click()  # the older day
    deadline = time.monotonic() + 10
    while not browser.text_of(driver, "main h2").startswith("2025-11-15"):
        assert time.monotonic() < deadline, browser.text_of(driver, "main h2")
        time.sleep(0.05)
    assert len(ids(driver)) == 7 and "date=2025-11-15" in driver.current_url
    day_input = driver.find_element("css selector", "#day-input")
    driver.execute_script("arguments[0].value = '2025-03-22'; arguments[0].dispatchEvent(new Event('change'))",
                          day_input)
    deadline = time.monotonic() + 10
    while not browser.text_of(driver, "main h2").startswith("2025-03-21"):  # nearest day before
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_preferences_reorder_and_highlight(driver: Any, base: str) -> None:
    open_page(driver, base + "index.html?date=2025-12-24&kw=retrieval&au=Hyun-seok Min")
    articles = driver.find_elements("css selector", "article[data-paper-id]")
    matched = [a for a in articles if "match" in a.get_attribute("class")]
    assert matched and articles[: len(matched)] == matched  # matching papers come first
    assert matched[0].find_elements("css selector", "mark")
    assert "2512.20781" in [a.get_attribute("data-paper-id") for a in matched]  # by author and keyword
    # saved in the browser: the form, then a visit without parameters
    open_page(driver, base + "index.html?date=2025-12-24")
    driver.find_element("css selector", "#prefs summary").click()
    keywords = driver.find_element("css selector", "#pref-kw")
    keywords.clear()
    keywords.send_keys("recommendation")
    driver.find_element("css selector", "#prefs-form button[type=submit]").click()
    open_page(driver, base + "index.html?date=2025-12-24")
    first = driver.find_element("css selector", "article[data-paper-id]")
    assert "match" in first.get_attribute("class") and "recommendation" in first.text.lower()
    driver.execute_script("localStorage.clear()")


def test_no_console_errors_and_no_request_leaves_the_site(driver: Any, base: str) -> None:
    browser.console_errors(driver)
    browser.requested_urls(driver)
    for path in ("index.html", "index.html?date=2025-12-24", "index.html?q=retrieval", "index.html?date=2025-03-21"):
        open_page(driver, base + path)
        if "q=" in path:
            wait_search(driver)
    assert browser.console_errors(driver) == []
    outside = [u for u in browser.requested_urls(driver) if not (u.startswith(base) or u.startswith("data:"))]
    assert outside == []


def test_a_phone_needs_no_horizontal_scroll(driver: Any, base: str) -> None:
    driver.set_window_size(390, 844)
    try:
        for path in ("index.html?date=2025-12-24", "index.html?date=2026-05-21", "index.html?q=model"):
            open_page(driver, base + path)
            if "q=" in path:
                wait_search(driver)
            driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
            width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (path, width)
    finally:
        driver.set_window_size(1280, 900)


def test_dark_mode_keeps_text_and_links_readable(driver: Any, base: str) -> None:
    for scheme in ("dark", "light"):
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        open_page(driver, base + "index.html?date=2025-12-24")
        colours = driver.execute_script("""
            const bg = getComputedStyle(document.body).backgroundColor;
            const pick = s => getComputedStyle(document.querySelector(s)).color;
            return [bg, pick('article h3 a'), pick('article .authors'), pick('article .tldr')];""")
        for colour in colours[1:]:
            assert browser.contrast(colour, colours[0]) >= 4.5, (scheme, colour, colours[0])
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_everything_works_from_the_keyboard(driver: Any, base: str) -> None:
    from selenium.webdriver.common.keys import Keys

    open_page(driver, base + "index.html?date=2025-12-24")
    chip = driver.find_element("css selector", 'button[data-category="cs.IR"]')
    chip.send_keys(Keys.ENTER)
    assert len(ids(driver)) == 7
    search = driver.find_element("css selector", "#q")
    search.send_keys("retrieval", Keys.ENTER)
    wait_search(driver)
    assert ids(driver, "li.result[data-paper-id]")
    details = driver.find_element("css selector", "#prefs summary")
    details.send_keys(Keys.ENTER)
    assert driver.find_element("css selector", "#prefs").get_attribute("open") is not None


def test_a_malformed_hash_and_oversized_math_cannot_break_the_page(driver: Any, tmp_path: Path,
                                                                    sample_entries: list) -> None:  # type: ignore[type-arg]
    # `#p-%E0` threw in decodeURIComponent, and KaTeX's unlimited maxSize let \rule{9999em} flood the layout
    # (issue 16, item 12).
    from summarizer.edges.storage.store import write_records

    entry = sample_entries[0]
    huge = entry.summary.model_copy(update={"tldr": r"规则 $\rule{9999em}{1em}$ 之后的文字"})
    write_records(tmp_path / "out" / "2025-12-24.jsonl", [entry.model_copy(update={"summary": huge})])
    settings = Settings(llm=LLMSettings(model="m", api_key="k"),
                        paths=PathSettings(cache_dir=str(tmp_path / "cache"), output_dir=str(tmp_path / "out")))
    site = build_site(settings).site
    browser.console_errors(driver)
    open_page(driver, site.as_uri() + "/index.html?date=2025-12-24#p-%E0")
    deadline = time.monotonic() + 10
    while not driver.execute_script("return document.querySelector('.tldr .math') !== null"):
        assert time.monotonic() < deadline, "KaTeX did not render"
        time.sleep(0.05)
    width = driver.execute_script("return document.querySelector('.tldr .math').getBoundingClientRect().width")
    assert width < 1000, width
    assert [e for e in browser.console_errors(driver) if e["level"] == "SEVERE"] == []
    assert len(ids(driver)) == 1


def test_an_unsupported_number_is_marked_and_each_found_one_shows_its_sentence(driver: Any, tmp_path: Path,
                                                                              sample_entries: list) -> None:  # type: ignore[type-arg]
    from summarizer.core.checks.gate import SourceIndex, check_summary, source_text
    from summarizer.edges.storage.store import write_records

    entry = sample_entries[0]  # its abstract: "SoFT raises R@5 to 65.25 on CIRR (+12.94), ..."
    summary = entry.summary.model_copy(update={"result": "R@5提升至65.25，另有87.65%的提升"})
    checks = check_summary(summary, SourceIndex.of(source_text(entry.paper.title, entry.paper.abstract)))
    assert [m.number for m in checks.unsupported] == ["87.65%"]
    write_records(tmp_path / "out" / "2025-12-24.jsonl",
                  [entry.model_copy(update={"summary": summary, "checks": checks, "source": "html"})])
    settings = Settings(llm=LLMSettings(model="m", api_key="k"),
                        paths=PathSettings(cache_dir=str(tmp_path / "cache"), output_dir=str(tmp_path / "out")))
    open_page(driver, build_site(settings).site.as_uri() + "/index.html?date=2025-12-24")
    driver.execute_script("document.querySelector('article details').open = true")
    bad = driver.execute_script("var s = document.querySelector('dd .unsupported'); return [s.textContent, s.title]")
    assert bad[0] == "87.65%" and "not found in the source" in bad[1]
    buttons = driver.find_elements("css selector", "dd button.evidence")
    assert [b.text for b in buttons] == ["5", "65.25"]  # "R@5" is stated as such, too
    quote = "return document.querySelectorAll('dd .evidence-text')[1]"
    assert driver.execute_script(quote + ".hidden") is True
    buttons[1].click()  # one click shows the sentence the paper states it in
    assert driver.execute_script(quote + ".hidden") is False
    assert "65.25 on CIRR" in driver.execute_script(quote + ".textContent")
    assert "全文（HTML）" in driver.execute_script("return document.querySelector('.tldr .source').textContent")


@pytest.fixture(scope="module")
def ranked_site(tmp_path_factory: pytest.TempPathFactory, sample_entries: list) -> Path:  # type: ignore[type-arg]
    """The demo day ranked for a reader (scores and reasons in its records) and a second day, every paper with a
    stand-in embedding in the cache (random unit vectors: no model is downloaded for a test)."""
    import numpy as np

    from summarizer.core.ranking import paper_text
    from summarizer.edges.ranking.embeddings import EmbeddingCache, embedding_model_id
    from summarizer.edges.storage.store import read_records, write_records

    tmp = tmp_path_factory.mktemp("ranked")
    out = tmp / "out"
    ranked = [e.model_copy(update={"extra": {"rank": {"score": round(0.01 * i, 3), "why": f"keyword: k{i}",
                                                      "summarized": True}}})
              for i, e in enumerate(sample_entries)]
    write_records(out / "2025-12-24.jsonl", ranked)
    earlier = [e.model_copy(update={"paper": e.paper.model_copy(update={"id": f"2512.9{i:04d}",
                                                                        "title": f"Earlier {e.paper.title}"})})
               for i, e in enumerate(sample_entries[:10])]
    write_records(out / "2025-12-23.jsonl", earlier)
    settings = Settings(llm=LLMSettings(model="m", api_key="k"),
                        paths=PathSettings(cache_dir=str(tmp / "cache"), output_dir=str(out)))
    model_id = embedding_model_id(settings.embedding)
    assert model_id is not None
    cache = EmbeddingCache(tmp / "cache")
    rng = np.random.default_rng(5)
    for day in ("2025-12-23", "2025-12-24"):
        for entry in read_records(out / f"{day}.jsonl"):
            cache.put(model_id, paper_text(entry.paper), rng.standard_normal(384).astype(np.float32))
    cache.close()
    return build_site(settings).site


def test_for_you_order_reasons_likes_and_more_like_this(driver: Any, ranked_site: Path, tmp_path: Path) -> None:
    base = ranked_site.as_uri() + "/"
    open_page(driver, base + "index.html?date=2025-12-24")
    first = driver.find_element("css selector", "article[data-paper-id]")
    assert first.find_element("css selector", ".why").text == "keyword: k37"  # the best score first
    assert len(ids(driver)) == 38
    driver.find_element("css selector", 'button[data-order="digest"]').click()
    assert driver.find_element("css selector", "article[data-paper-id] .num").text == "[1]"
    driver.find_element("css selector", 'button[data-order="foryou"]').click()
    # a like, kept in localStorage and exported as a records file the profile reads
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    liked_id = ids(driver)[0]
    driver.find_element("css selector", "article[data-paper-id] button.like").click()
    assert driver.find_element("css selector", "article[data-paper-id] button.like").get_attribute(
        "aria-pressed") == "true"
    open_page(driver, base + "index.html?date=2025-12-24")  # kept across visits
    assert driver.find_element("css selector", "article[data-paper-id] button.like").get_attribute(
        "aria-pressed") == "true"
    # "not for me" beside the like: on another paper, pressed, exported with the likes
    disliked_id = ids(driver)[1]
    second = driver.find_elements("css selector", "article[data-paper-id]")[1]
    second.find_element("css selector", "button.dislike").click()
    assert second.find_element("css selector", "button.dislike").get_attribute("aria-pressed") == "true"
    assert second.find_element("css selector", "button.like").get_attribute("aria-pressed") == "false"
    driver.find_element("css selector", "button.export").click()
    deadline = time.monotonic() + 10
    while not (tmp_path / "likes.jsonl").exists():
        assert time.monotonic() < deadline, "the likes were not exported"
        time.sleep(0.05)
    from summarizer.edges.ranking.profile_sources import read_papers_file

    items = read_papers_file(tmp_path / "likes.jsonl")
    exported = (tmp_path / "likes.jsonl").read_text()
    assert len(items) == 2 and all(i.when is not None for i in items) and liked_id in exported
    assert [i.disliked for i in items] == [False, True] and disliked_id in exported
    # more like this: five papers from any day, and a click opens the right one
    more = driver.find_element("css selector", "article[data-paper-id] details.similar")
    more.find_element("css selector", "summary").click()
    links = more.find_elements("css selector", "li[data-paper-id] a")
    assert len(links) == 5
    target = next((a for a in links if "2025-12-23" in a.get_attribute("href")), links[0])
    wanted = target.get_attribute("href").split("#p-")[1]
    target.click()
    deadline = time.monotonic() + 10
    while wanted not in driver.current_url or not driver.find_elements("css selector", f'article[id="p-{wanted}"]'):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    driver.execute_script("localStorage.clear()")


def test_search_sorts_by_relevance_as_well_as_newest(driver: Any, ranked_site: Path) -> None:
    base = ranked_site.as_uri() + "/"
    open_page(driver, base + "index.html?q=retrieval&sort=relevance")
    wait_search(driver)
    assert driver.find_elements("css selector", "ol.relevance li.result")
    assert not driver.find_elements("css selector", "section.day-group")
    assert driver.find_element("css selector", 'button[data-sort="relevance"]').get_attribute("aria-pressed") == "true"
    driver.find_element("css selector", 'button[data-sort="newest"]').click()
    wait_search(driver)
    days = [s.get_attribute("data-day") for s in driver.find_elements("css selector", "section.day-group")]
    assert days == sorted(days, reverse=True) and days
