"""The static site in a real browser (headless Chromium via Selenium): it loads cleanly, highlights every gold
mention, shows event popovers on hover and keyboard focus, strikes through raw boilerplate, draws one timeline
mark per dated event, and never runs markup from the data. Screenshots go to test-artifacts/.

Needs Debian's `chromium` and `chromium-driver` and the `selenium` package (the `test` extra); skipped, with
the reason, when one of them is missing, unless DETENTE_REQUIRE_BROWSER=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.paths import release_folder
from detente.site.accounts import source_name
from detente.site.render import build_site
from fake_release import BREAKOUT, SCRIPT, write_fake_release

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "annotated" / "0.2.0"
RAW = REPO / "raw"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _skip(reason: str) -> None:
    # CI sets DETENTE_REQUIRE_BROWSER=1: there a missing browser is a broken install step, not a reason to skip.
    if os.environ.get("DETENTE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"DETENTE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    warnings.warn(f"tests/site/test_browser.py skipped: {reason}", stacklevel=2)  # shown in the summary even without -rs
    pytest.skip(reason, allow_module_level=True)


try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
except ImportError:
    _skip("the selenium package is not installed (pip install -e '.[test]')")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    _skip(f"{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install -y chromium chromium-driver)")

# Records every alert/confirm/prompt a page tries, before any of the page's own code runs.
ALERT_TRAP = """
window.__alerts = [];
['alert', 'confirm', 'prompt'].forEach(function (name) {
  window[name] = function (message) { window.__alerts.push(name + ':' + String(message)); };
});
"""


def read_docs(release: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((release / "documents").glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sites")
    build_site(RELEASE, RAW, root / "www" / "real")
    release, raw, _ = write_fake_release(root / "fake-src")
    build_site(release, raw, root / "www" / "fake")
    quoted, quoted_raw, _ = write_fake_release(root / "quotes-src", quotations=True)
    build_site(quoted, quoted_raw, root / "www" / "quotes")
    return {"root": root / "www", "real": root / "www" / "real", "fake": root / "www" / "fake", "fake_release": release,
            "quotes": root / "www" / "quotes", "quotes_release": quoted}


@pytest.fixture(scope="module")
def base_url(sites: dict[str, Path]) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(sites["root"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", "--window-size=1280,1000"):
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")  # a real alert stays open, so the test can see it
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_TRAP})
    yield browser
    browser.quit()


def load(driver: WebDriver, url: str) -> None:
    """Open url; fail on any SEVERE browser log entry (script error, failed resource) or any alert."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    driver.execute_script("return document.readyState")
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == [], f"{url}: {severe}"
    assert_no_alert(driver)


def assert_no_alert(driver: WebDriver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is the check
    assert driver.execute_script("return window.__alerts") == []


def popover(driver: WebDriver, trigger: WebElement) -> WebElement:
    return driver.find_element(By.ID, f"pop-{trigger.get_attribute('id')}")


def screenshot(driver: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / name))


def test_every_page_loads_without_console_errors_and_highlights_every_gold_mention(driver: WebDriver, base_url: str) -> None:
    load(driver, f"{base_url}/real/index.html")
    assert driver.title.startswith("DETENTE 0.2.0")
    for doc in read_docs(RELEASE):
        load(driver, f"{base_url}/real/{doc['id']}.html")
        counts = driver.execute_script(
            "var c = {}; document.querySelectorAll('#clean .m[id]').forEach(function (m) { c[m.dataset.type] = (c[m.dataset.type] || 0) + 1; });"
            "return [document.querySelectorAll('#clean .m[id]').length, c, document.querySelectorAll('#clean .trig[tabindex=\"0\"]').length];"
        )
        assert counts[0] == len(doc["entities"]), doc["id"]
        assert counts[1] == dict(Counter(e["type"] for e in doc["entities"])), doc["id"]
        assert counts[2] == len(doc["events"]), doc["id"]
        assert driver.find_element(By.ID, "raw").is_displayed() is False


def test_hovering_a_trigger_shows_its_popover_with_the_arguments(driver: WebDriver, base_url: str) -> None:
    doc = next(d for d in read_docs(RELEASE) if d["id"] == "dtn-692ce5b72fcc")
    event = next(e for e in doc["events"] if len(e["arguments"]) >= 2 and e["date"])
    mentions = {m["id"]: m["text"] for m in doc["entities"]}
    load(driver, f"{base_url}/real/{doc['id']}.html")
    trigger = driver.find_element(By.ID, event["id"])
    pop = popover(driver, trigger)
    assert not pop.is_displayed()
    ActionChains(driver).move_to_element(trigger).perform()
    assert pop.is_displayed()
    text = pop.text
    assert text.startswith(event["plover"]) and event["ace"] in text and event["realis"] in text and event["date"]["start"] in text
    for arg in event["arguments"]:
        assert f"{arg['role']}: {mentions[arg['mention_id']]}" in text
    right = driver.execute_script("return arguments[0].getBoundingClientRect().right <= document.documentElement.clientWidth", pop)
    assert right, "the popover overflows the window"
    screenshot(driver, "site-article.png")
    ActionChains(driver).move_to_element(driver.find_element(By.ID, "title")).perform()
    assert not pop.is_displayed()


def test_tabbing_to_a_trigger_shows_its_popover(driver: WebDriver, base_url: str) -> None:
    load(driver, f"{base_url}/real/dtn-518a5a6a036e.html")
    for _ in range(60):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        if "trig" in (active.get_attribute("class") or "").split():
            break
    else:
        pytest.fail("no event trigger reached with Tab")
    pop = popover(driver, active)
    assert pop.is_displayed()
    assert "arguments:" in pop.text and "realis:" in pop.text
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    assert not pop.is_displayed()


def test_raw_toggle_strikes_through_metadata_and_boilerplate(driver: WebDriver, base_url: str) -> None:
    doc = next(d for d in read_docs(RELEASE) if d["id"] == "dtn-692ce5b72fcc")
    load(driver, f"{base_url}/real/{doc['id']}.html")
    toggle = driver.find_element(By.ID, "raw-toggle")
    toggle.click()
    assert driver.find_element(By.ID, "raw").is_displayed()
    assert not driver.find_element(By.ID, "clean").is_displayed()
    assert toggle.get_attribute("aria-pressed") == "true"
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('#raw .rl')).map(function (r) {"
        " return [r.dataset.class, r.dataset.category, getComputedStyle(r.querySelector('.tx')).textDecorationLine]; });"
    )
    assert [(c, k) for c, k, _ in rows] == [(line["class"], line["category"]) for line in doc["line_labels"]]
    struck = [c for c, _, decoration in rows if "line-through" in decoration]
    assert Counter(struck) == Counter(line["class"] for line in doc["line_labels"] if line["class"] != "content")
    assert all("line-through" not in decoration for c, _, decoration in rows if c == "content")
    driver.execute_script("document.querySelector('#raw .k-boilerplate.c-related_link').scrollIntoView({block: 'center'})")
    screenshot(driver, "site-raw.png")
    toggle.click()
    assert driver.find_element(By.ID, "clean").is_displayed() and not driver.find_element(By.ID, "raw").is_displayed()


def test_timeline_has_one_mark_per_dated_event_linking_to_its_trigger(driver: WebDriver, base_url: str) -> None:
    docs = read_docs(RELEASE)
    dated = {(d["id"], e["id"]) for d in docs for e in d["events"] if e["date"]}
    load(driver, f"{base_url}/real/index.html")
    marks = driver.execute_script(
        "return Array.from(document.querySelectorAll('#timeline a.tl-mark')).map(function (a) {"
        " var r = a.querySelector('rect').getBoundingClientRect();"
        " return [a.dataset.doc, a.dataset.event, a.getAttribute('href'), r.width, r.height]; });"
    )
    assert len(marks) == len(dated)
    assert {(d, e) for d, e, _, _, _ in marks} == dated
    assert all(href == f"{d}.html#{e}" and w > 0 and h > 0 for d, e, href, w, h in marks)
    driver.set_window_size(1400, 1900)
    screenshot(driver, "site-index.png")
    driver.set_window_size(1280, 1000)
    # Following a mark lands on the trigger, with its popover open.
    doc_id, event_id = "dtn-2544203ab46a", next(e for d, e, _, _, _ in sorted(marks) if d == "dtn-2544203ab46a")
    mark = driver.find_element(By.CSS_SELECTOR, f'a.tl-mark[data-doc="{doc_id}"][data-event="{event_id}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", mark)
    mark.click()
    assert driver.current_url.endswith(f"/real/{doc_id}.html#{event_id}")
    assert driver.find_element(By.ID, f"pop-{event_id}").is_displayed()
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_pages_work_from_disk(driver: WebDriver, sites: dict[str, Path]) -> None:
    load(driver, (sites["real"] / "index.html").as_uri())
    assert len(driver.find_elements(By.CSS_SELECTOR, "a.tl-mark")) == 155
    driver.find_element(By.LINK_TEXT, "dtn-0885a700d99d").click()
    assert driver.current_url.endswith("dtn-0885a700d99d.html")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#clean .m[id]")) == 103


def test_markup_in_the_data_never_runs(driver: WebDriver, base_url: str, sites: dict[str, Path]) -> None:
    docs = read_docs(sites["fake_release"])
    load(driver, f"{base_url}/fake/index.html")
    assert driver.execute_script("return document.images.length") == 0
    assert f"Example {BREAKOUT} News" in driver.find_element(By.TAG_NAME, "table").text
    load(driver, f"{base_url}/fake/{docs[0]['id']}.html")
    assert driver.execute_script("return document.images.length") == 0
    assert driver.execute_script("return document.scripts.length") == 1  # the page's own toggle script only
    assert driver.find_element(By.ID, "m1").text == SCRIPT
    assert BREAKOUT in driver.find_element(By.ID, "title").text
    trigger = driver.find_element(By.ID, "v1")
    ActionChains(driver).move_to_element(trigger).perform()
    assert f"actor: {SCRIPT}" in popover(driver, trigger).text
    driver.find_element(By.ID, "raw-toggle").click()
    raw_text = driver.find_element(By.ID, "raw").text
    assert SCRIPT in raw_text and BREAKOUT in raw_text
    assert_no_alert(driver)
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


LINK_BLUE = "rgb(26, 86, 176)"  # site.css's link colour, #1a56b0


@contextlib.contextmanager
def at_width(driver: WebDriver, width: int) -> Iterator[None]:
    """Within the block, the page's viewport is `width` CSS pixels wide (the window's frame, if any, comes on top);
    afterwards the window is back at the other tests' 1280 x 1000."""
    # A resize lands asynchronously (slowly on a loaded machine): correct by what the page reports until it holds.
    outer = width
    for _ in range(20):
        driver.set_window_size(outer, 1000)
        time.sleep(0.05)
        inner = driver.execute_script("return window.innerWidth")
        if inner == width:
            break
        outer += width - inner
    try:
        assert driver.execute_script("return window.innerWidth") == width
        yield
    finally:
        driver.set_window_size(1280, 1000)


@pytest.mark.parametrize("width", [1400, 800])
def test_the_timeline_says_its_axis_is_not_linear_and_fits_the_window(driver: WebDriver, base_url: str, width: int) -> None:
    """Items 1 and 2 of the review: a caption next to the timeline says the axis is not linear, every collapsed gap
    is marked on the axis with the time it leaves out, and every mark is inside the window without scrolling sideways."""
    with at_width(driver, width):
        load(driver, f"{base_url}/real/index.html")
        caption = driver.find_element(By.ID, "timeline-axis-note")
        assert caption.is_displayed() and "not linear" in caption.text and "collapsed" in caption.text
        # the caption sits right above the timeline, in the same figure
        assert driver.execute_script("return document.getElementById('timeline').closest('figure').contains(arguments[0])", caption)
        gaps = driver.execute_script(
            "return Array.from(document.querySelectorAll('#timeline g.gap')).map(function (g) {"
            " var r = g.querySelector('rect').getBoundingClientRect();"
            " return [g.querySelector('.gap-dots').textContent, g.querySelector('.gap-len').textContent, r.width, r.height]; });"
        )
        assert gaps, "the 0.2.0 timeline has collapsed gaps"
        assert all(dots == "⋯" and length and w > 0 and h > 0 for dots, length, w, h in gaps)
        view = driver.execute_script("return document.documentElement.clientWidth")
        boxes = driver.execute_script(
            "return Array.from(document.querySelectorAll('#timeline a.tl-mark rect')).map(function (r) {"
            " var b = r.getBoundingClientRect(); return [r.parentNode.dataset.event, b.left, b.right, b.width]; });"
        )
        assert len(boxes) == 155
        outside = [(e, left, right) for e, left, right, w in boxes if not (0 <= left and right <= view and w > 0)]
        assert outside == [], f"marks outside the {view} px viewport: {outside[:5]}"
        wrap_scrolls = driver.execute_script("var w = document.querySelector('.tl-wrap'); return w.scrollWidth > w.clientWidth")
        assert not wrap_scrolls, "the timeline scrolls sideways"
        assert driver.execute_script("return document.documentElement.scrollWidth") <= view, "the page scrolls sideways"
        driver.execute_script("document.getElementById('timeline-h').scrollIntoView()")
        screenshot(driver, f"site-timeline-{width}.png")


@pytest.mark.parametrize("width", [1400, 800])
def test_the_lines_column_is_explained(driver: WebDriver, base_url: str, width: int) -> None:
    """Item 3: the raw-lines column says what its three numbers are, and a note under the table says what the classes mean."""
    with at_width(driver, width):
        load(driver, f"{base_url}/real/index.html")
        header = driver.find_element(By.ID, "lines-h")
        assert " ".join(header.text.split()) == "Lines (content / metadata / boilerplate)"
        note = driver.find_element(By.ID, "lines-note")
        assert note.is_displayed() and all(word in note.text for word in ("Content", "metadata", "boilerplate", "raw page"))
        assert driver.find_element(By.CSS_SELECTOR, "table.docs").get_attribute("aria-describedby") == "lines-note"
        assert driver.execute_script("return document.documentElement.scrollWidth") <= driver.execute_script("return document.documentElement.clientWidth")
        screenshot(driver, f"site-index-table-{width}.png")


STYLE = ("return (function (e) { var s = getComputedStyle(e), b = getComputedStyle(e, '::before');"
         " return {color: s.color, weight: s.fontWeight, style: s.fontStyle, line: s.textDecorationLine, dstyle: s.textDecorationStyle,"
         " before: b.content, cursor: s.cursor}; })(arguments[0])")


@pytest.mark.parametrize("width", [1400, 800])
def test_entity_index_article_links_and_mention_links_look_different(driver: WebDriver, base_url: str, width: int) -> None:
    """Item 4: on entities.html an article link is bold and dark, a mention link italic, quoted and purple with a dotted underline."""
    with at_width(driver, width):
        load(driver, f"{base_url}/real/entities.html")
        articles = driver.find_elements(By.CSS_SELECTOR, "table.docs a.art")
        mentions = driver.find_elements(By.CSS_SELECTOR, "table.docs a.mention")
        assert articles and mentions
        # every link in the mentions column is one or the other
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.docs td:last-child a")) == len(articles) + len(mentions)
        article, mention = driver.execute_script(STYLE, articles[0]), driver.execute_script(STYLE, mentions[0])
        assert int(article["weight"]) >= 600 and int(mention["weight"]) < 600
        assert article["color"] != mention["color"]
        assert article["style"] == "normal" and mention["style"] == "italic"
        assert "underline" not in article["line"] and "underline" in mention["line"] and mention["dstyle"] == "dotted"
        assert mention["before"] == '"“"' and article["before"] in ("none", "normal")
        # the same for every link, not just the first of each
        styles = driver.execute_script(
            "return [Array.from(document.querySelectorAll('table.docs a.art')).map(function (a) { return getComputedStyle(a).fontWeight + getComputedStyle(a).color; }),"
            " Array.from(document.querySelectorAll('table.docs a.mention')).map(function (a) { return getComputedStyle(a).fontWeight + getComputedStyle(a).color; })];"
        )
        assert set(styles[0]) == {article["weight"] + article["color"]} and set(styles[1]) == {mention["weight"] + mention["color"]}
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", mentions[0])
        screenshot(driver, f"site-entities-{width}.png")


@pytest.mark.parametrize("width", [1400, 800])
def test_struck_through_raw_lines_look_removed_not_like_links(driver: WebDriver, base_url: str, width: int) -> None:
    """Item 5: metadata and boilerplate lines of the raw page are grey and struck through, with no link colour,
    underline or pointer, and keep their category chip."""
    with at_width(driver, width):
        load(driver, f"{base_url}/real/dtn-692ce5b72fcc.html")
        driver.find_element(By.ID, "raw-toggle").click()
        rows = driver.execute_script(
            "return Array.from(document.querySelectorAll('#raw .rl')).map(function (r) {"
            " var t = r.querySelector('.tx'), s = getComputedStyle(t);"
            " return [r.dataset.class, s.color, s.textDecorationLine, s.textDecorationColor, s.cursor, getComputedStyle(r).cursor,"
            " r.querySelector('.cat').textContent, r.dataset.category, t.closest('a') === null]; });"
        )
        struck = [row for row in rows if row[0] != "content"]
        assert struck
        for cls, colour, line, line_colour, cursor, row_cursor, chip, category, not_in_link in struck:
            assert "line-through" in line and "underline" not in line, cls
            assert colour != LINK_BLUE and line_colour != LINK_BLUE, (cls, colour, line_colour)
            red, green, blue = (int(v) for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])
            assert max(red, green, blue) - min(red, green, blue) <= 16, f"{cls} text is not grey: {colour}"
            assert cursor != "pointer" and row_cursor != "pointer"
            assert chip.startswith(category) and not_in_link
        driver.execute_script("document.querySelector('#raw .k-metadata').scrollIntoView({block: 'center'})")
        screenshot(driver, f"site-raw-{width}.png")


def no_sideways_scroll(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


COLUMNS = ("return Array.from(arguments[0].querySelectorAll(':scope > .sides > section.side')).map(function (s) {"
           " var r = s.getBoundingClientRect(); return [s.dataset.side, s.querySelector('h3').textContent, r.left, r.top, r.width]; });")
STATEMENTS = ("return Array.from(arguments[0].querySelectorAll('section.side')).map(function (s) {"
              " return [s.dataset.side, Array.from(s.querySelectorAll('li.statement')).map(function (li) {"
              " return [li.dataset.doc, li.dataset.quote, li.dataset.side, li.querySelector('.source').textContent, li.innerText]; })]; });")


def assert_side_by_side(driver: WebDriver, section: WebElement) -> None:
    """The US and the Chinese account are the two columns of the section, next to each other, US first."""
    columns = driver.execute_script(COLUMNS, section)
    assert [(side, heading.split(" (")[0]) for side, heading, _, _, _ in columns] == [("us", "US account"), ("china", "Chinese account")]
    (_, _, us_left, us_top, us_width), (_, _, cn_left, cn_top, cn_width) = columns
    assert us_top == cn_top and us_left + us_width <= cn_left and us_width > 200 and cn_width > 200, columns


@pytest.mark.parametrize("width", [1400, 800])
def test_quotations_are_marked_and_listed_and_the_accounts_stand_side_by_side(driver: WebDriver, base_url: str, sites: dict[str, Path], width: int) -> None:
    """The quotation layer on the fake release: marks in the text that a table links to, and the accounts page with
    the US and Chinese columns next to each other; no markup from the data runs, nothing scrolls sideways."""
    docs = read_docs(sites["quotes_release"])
    doc = next(d for d in docs if d.get("quotations"))
    with at_width(driver, width):
        load(driver, f"{base_url}/quotes/{doc['id']}.html")
        marks = driver.execute_script(
            "return Array.from(document.querySelectorAll('#clean .qt')).map(function (q) {"
            " var s = getComputedStyle(q); return [q.dataset.quote, q.id, s.textDecorationLine, q.getBoundingClientRect().width]; });"
        )
        assert [m[0] for m in marks] == ["q1", "q2", "q3", "q4", "q5", "q5"]
        assert all("overline" in line and w > 0 for _, _, line, w in marks)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.quotes tbody tr")
        assert [r.get_attribute("data-quote") for r in rows] == [q["id"] for q in doc["quotations"]]
        assert [r.find_element(By.CSS_SELECTOR, "td.source").text for r in rows] == [source_name(q["source_type"]) for q in doc["quotations"]]
        assert no_sideways_scroll(driver), "the article page scrolls sideways"
        driver.execute_script("document.getElementById('quotations-h').scrollIntoView()")
        screenshot(driver, f"site-quotations-{width}.png")
        cues = driver.execute_script(
            "return Array.from(document.querySelectorAll('#clean .cue')).map(function (c) {"
            " var s = getComputedStyle(c); return [c.dataset.cue, c.textContent, s.textDecorationLine, s.textDecorationStyle]; });"
        )
        assert [tuple(c[:2]) for c in cues] == [(q["id"], q["cue"]["text"]) for q in doc["quotations"] if q.get("cue")]
        assert all(line == "underline" and style == "wavy" for _, _, line, style in cues)
        rows[1].find_element(By.CSS_SELECTOR, "a.id").click()  # the row's link lands on the quotation in the text
        assert driver.current_url.endswith("#q2") and driver.find_element(By.ID, "q2").is_displayed()
        rows[1].find_element(By.CSS_SELECTOR, "a.cue-ref").click()  # and its cue cell on the cue
        assert driver.current_url.endswith("#cue-q2") and driver.find_element(By.ID, "cue-q2").is_displayed()
        load(driver, f"{base_url}/quotes/accounts.html")
        section = driver.find_element(By.CSS_SELECTOR, 'section.accounts[data-cluster="evt:paris-talks-followup"]')
        assert_side_by_side(driver, section)
        listed = driver.execute_script(STATEMENTS, section)
        assert [(side, [(q, s, src) for _, q, s, src, _ in items]) for side, items in listed] == [
            ("us", [("q1", "us", "readout")]), ("china", [("q2", "china", "statement")]), ("third_party", [("q3", "third_party", "news report")])]
        assert SCRIPT in section.text  # the Chinese statement's markup is shown as text
        assert no_sideways_scroll(driver), "the accounts page scrolls sideways"
        driver.execute_script("arguments[0].scrollIntoView()", section)
        screenshot(driver, f"site-accounts-fixture-{width}.png")
        assert_no_alert(driver)


CALL = "evt:blinken-qin-call-2023-06-14"  # the 14 June 2023 phone call between Blinken and Qin Gang


def expected_call_statements(release: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Per side, (doc_id, quotation ID, source as the page prints it) of every quotation of the release about the call."""
    by_side: dict[str, list[tuple[str, str, str]]] = {}
    for doc in sorted(read_docs(release), key=lambda d: ((d.get("publication_date") or {}).get("value") or "9999", d["id"])):
        events = {e["id"]: e for e in doc["events"]}
        for q in sorted(doc.get("quotations") or [], key=lambda q: (q["start"], q["end"], q["id"])):
            if q["about_event_id"] and events[q["about_event_id"]].get("cluster_id") == CALL:
                by_side.setdefault(q["side"], []).append((doc["id"], q["id"], source_name(q["source_type"])))
    return by_side


@pytest.fixture(scope="module")
def current_release(sites: dict[str, Path]) -> Path:
    """The current release (annotated/<version>/), its site built under the served root as current/."""
    release = release_folder()
    build_site(release, RAW, sites["root"] / "current")
    return release


@pytest.mark.parametrize("width", [1400, 800])
def test_the_blinken_qin_call_shows_the_us_and_chinese_accounts_side_by_side(driver: WebDriver, base_url: str, current_release: Path, width: int) -> None:
    """Issue 18: on the real release, the accounts page lists for the 14 June 2023 Blinken-Qin call the statements
    attributed to each side, in the US and Chinese columns next to each other, each with its source (a readout, a press
    release, ... or "not stated"). Skipped, saying why, while the release has no quotation about the call."""
    expected = expected_call_statements(current_release)
    if not expected:
        reason = (f"{current_release.name}: no quotation with about_event in {CALL} (the quotation layer is not annotated yet); "
                  "this test passes once it is")
        print(f"SKIP: {reason}")
        warnings.warn(f"tests/site/test_browser.py: {reason}", stacklevel=1)
        pytest.skip(reason)
    with at_width(driver, width):
        load(driver, f"{base_url}/current/accounts.html")
        section = driver.find_element(By.CSS_SELECTOR, f'section.accounts[data-cluster="{CALL}"]')
        assert section.find_element(By.TAG_NAME, "h2").text.strip()
        assert_side_by_side(driver, section)
        listed = {side: items for side, items in driver.execute_script(STATEMENTS, section)}
        assert {"us", "china"} <= set(listed)
        for side in sorted(set(listed) | set(expected)):
            shown = listed.get(side, [])
            assert [(doc, quote, source) for doc, quote, _, source, _ in shown] == expected.get(side, []), side
            assert all(item_side == side for _, _, item_side, _, _ in shown), side
            for _, _, _, source, text in shown:
                assert f"source {source}" in " ".join(text.split())  # the source is printed, "not stated" included
        assert no_sideways_scroll(driver), "the accounts page scrolls sideways"
        driver.execute_script("arguments[0].scrollIntoView()", section)
        screenshot(driver, f"site-accounts-{width}.png")
        # each statement links to its quotation in the article
        first = section.find_element(By.CSS_SELECTOR, "li.statement a.art")
        href = first.get_attribute("href")
        first.click()
        assert driver.current_url == href and driver.find_element(By.ID, href.rsplit("#", 1)[1]).is_displayed()


def test_a_linked_mention_holding_a_trigger_keeps_both_its_link_and_the_popover(driver: WebDriver, base_url: str, current_release: Path) -> None:
    """A link inside a link is invalid HTML, and a browser moves the inner one out (the popover then lost its trigger).
    The mentions of the current release that hold a trigger (the G20 summit, ...) link their own text instead."""
    docs = read_docs(current_release)
    holding = 0
    for doc in docs:
        load(driver, f"{base_url}/current/{doc['id']}.html")
        assert driver.execute_script("return document.querySelectorAll('a a').length") == 0, doc["id"]
        # every popover is still inside its trigger, as the page wrote it
        assert driver.execute_script("return Array.from(document.querySelectorAll('.trig')).every(function (t) { "
                                     "return t.querySelector(':scope > .pop') && t.querySelector(':scope > .pop').id === 'pop-' + t.id; })"), doc["id"]
        for mention in driver.find_elements(By.CSS_SELECTOR, "#clean span.m[data-entity]"):
            holding += 1
            trigger = mention.find_element(By.CSS_SELECTOR, ".trig")
            # from the title first: the last popover may lie over this trigger
            ActionChains(driver).move_to_element(driver.find_element(By.ID, "title")).move_to_element(trigger).perform()
            assert popover(driver, trigger).is_displayed(), mention.get_attribute("id")
    assert holding >= 3
    doc = next(d for d in docs if any(m["id"] == "m50" and m["text"].startswith("Group of 20") for m in d["entities"]))
    load(driver, f"{base_url}/current/{doc['id']}.html")
    piece = driver.find_element(By.CSS_SELECTOR, "#m50 > a.ml")
    href = piece.get_attribute("href")
    assert href.endswith("#e-g20-bali-summit-2022")
    piece.click()
    assert driver.current_url == href and driver.find_element(By.ID, "e-g20-bali-summit-2022").is_displayed()
