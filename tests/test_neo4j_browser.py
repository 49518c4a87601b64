"""Neo4j Browser on the project's server, driven by a real headless Chromium (Debian's chromium
and chromium-driver, through selenium): log in, set the query's parameters as its header says,
run the shipped nurture_next.cypher after `ror neo4j load` and `ror neo4j write-scores --me
brand`, and find the engine's first rows in the page; `:play` the ror-graph guide. In CI
(CI=true) the test fails, not skips, when Chromium or its driver is missing."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ror_graph.backends.neo4j import queries
from ror_graph.loaders import load_events
from ror_graph.network import Network
from ror_graph.nurture import nurture_next

from _neo4j_helpers import cli_env

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "neo4j-browser-nurture-next.png"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000"]


def _need(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: the Neo4j Browser test needs Debian's chromium and chromium-driver "
                    "(.ci/run installs them); CI must not skip it")
    pytest.skip(f"{what} not found: Neo4j Browser test skipped (it never skips in CI)")


@pytest.fixture()
def chromium():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need("the selenium package")
    binary = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    driver_path = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if binary is None:
        _need("chromium")
    if driver_path is None:
        _need("chromedriver (Debian package chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    profile = tempfile.mkdtemp(prefix="ror-graph-chromium-")
    for flag in [*CHROME_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition, timeout: float = 180.0, what: str = "the page"):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.5).until(condition)
    except Exception:
        driver.save_screenshot(str(Path(tempfile.gettempdir()) / "ror-graph-browser-failure.png"))
        raise AssertionError(f"Neo4j Browser: timed out waiting for {what}") from None


def _run(driver, command: str) -> None:
    """Type ``command`` into Browser's editor and press its Run button."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, ".monaco-editor").click()
    ActionChains(driver).send_keys(command).perform()
    driver.find_element(By.CSS_SELECTOR, "[data-testid=editor-Run]").click()


def _log_in(driver, server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    def shown(css: str):
        return lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), None)

    driver.get(server["browser_url"])
    # The login form is in the page before it is laid out: wait until its fields are visible.
    _wait(driver, shown("[data-testid=connect]"), what="the login form")
    address = _wait(driver, shown("[data-testid=boltaddress]"), what="the address field")
    host_port = server["uri"].split("://", 1)[1]
    Select(_wait(driver, shown("[data-testid=bolt-scheme-select]"), what="the scheme list")).select_by_visible_text("bolt://")
    if address.get_attribute("value") != host_port:  # Browser fills in the server's own Bolt address
        address.send_keys(Keys.CONTROL, "a")
        address.send_keys(Keys.DELETE)
        address.send_keys(host_port)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=username]").send_keys(server["user"])
    driver.find_element(By.CSS_SELECTOR, "[data-testid=password]").send_keys(server["password"])
    driver.find_element(By.CSS_SELECTOR, "[data-testid=connect]").click()
    _wait(driver, lambda d: "You are connected" in d.page_source, what="the login")


def test_browser_runs_the_shipped_nurture_query(neo4j_clean, chromium, sample_events):
    from ror_graph.cli import main

    assert neo4j_clean["browser_url"], "the test server was started without HTTP"
    env = cli_env(neo4j_clean)
    runner = CliRunner()
    loaded = runner.invoke(main, ["neo4j", "load", str(sample_events), "--format", "csv"], env=env)
    assert loaded.exit_code == 0, loaded.output
    scored = runner.invoke(main, ["neo4j", "write-scores", "--me", "brand", "--format", "csv"], env=env)
    assert scored.exit_code == 0, scored.output
    expected = nurture_next(Network.from_dataset(load_events([str(sample_events)])), me="brand")["node_id"].head(3).to_list()

    _log_in(chromium, neo4j_clean)
    query = queries()["nurture_next"]
    assert set(query.params) == {"ego", "limit"}
    for name, example in query.params.items():  # `:param ego => "brand"`, as the header says
        _run(chromium, f":param {name} => {example}")
        _wait(chromium, lambda d, n=name: f'"{n}":' in d.page_source, what=f"the parameter {name}")
    _run(chromium, " ".join(query.text.split()))
    _wait(chromium, lambda d: all(f'"{node}"' in d.page_source for node in expected), what="the nurture-next rows")
    page = chromium.page_source
    positions = [page.index(f'"{node}"') for node in expected]
    assert positions == sorted(positions), f"rows out of order: {expected}"
    assert "rank" in page and "priority" in page and "reason" in page
    time.sleep(1)  # let the table finish laying out before the picture
    SCREENSHOT.parent.mkdir(exist_ok=True)
    chromium.save_screenshot(str(SCREENSHOT))


def test_browser_plays_the_ror_graph_guide(neo4j_server, chromium):
    from selenium.webdriver.common.by import By

    assert neo4j_server["guide_url"], "the test server was started without the guide"
    _log_in(chromium, neo4j_server)
    # Browser reads the server's allow-list (dbms.clientConfig) just after the login; until then
    # it knows only its default hosts and answers "No guide by that name": try again.
    for _ in range(10):
        _run(chromium, f":play {neo4j_server['guide_url']}")
        _wait(chromium, lambda d: "whom to nurture next" in d.page_source or "No guide by that name" in d.page_source,
              what="the guide")
        if "whom to nurture next" in chromium.page_source:
            break
        for close in chromium.find_elements(By.CSS_SELECTOR, "[title='Close']"):
            close.click()
        time.sleep(2)
    assert "whom to nurture next" in chromium.page_source, "Browser did not play the guide"
    chromium.find_element(By.CSS_SELECTOR, "[data-testid=nextSlide]").click()  # slide 2: the first query
    _wait(chromium, lambda d: d.find_elements(By.CSS_SELECTOR, "pre.runnable"), what="the runnable blocks")
    blocks = [e.text for e in chromium.find_elements(By.CSS_SELECTOR, "pre.runnable")]
    first = queries()["top_influencers"]
    assert blocks[0].strip() == ":params {limit: 10}"
    assert blocks[1].strip() == first.text.strip()
    assert "Reading the result:" in chromium.page_source
