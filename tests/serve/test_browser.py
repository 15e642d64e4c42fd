"""The page in a real browser: Debian's headless Chromium, driven with Selenium and its chromedriver.

One walk through the form against the real service: a Flink line, a source and sinks, refused
answers shown at their question, Explore with a file opened, the zip downloaded, and the shared
address reloaded. Each step leaves a screenshot in .artifacts/screenshots/ (kept by CI).
"""

from __future__ import annotations

import shutil
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.helpers import ROOT
from tests.serve.conftest import QUERY, Server
from tests.serve.test_starter_zip import files_of, zip_files

pytestmark = pytest.mark.browser

#: Where the screenshots go; CI keeps the folder as build artifacts (git-ignored).
SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
#: The window every screenshot is taken at (the README's docs/images/serve.png too).
WINDOW = (1280, 900)
WAIT_S = 180  # a render waits for the service's single worker on a busy machine

T = TypeVar("T")


def debian_program(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise AssertionError(
            f"{name} is not on PATH: install Debian's {package} (apt-get install -y {package})"
        )
    return path


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium from Debian's packages (no browser or driver is downloaded)."""
    options = webdriver.ChromeOptions()
    options.binary_location = debian_program("chromium", "chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    service = Service(executable_path=debian_program("chromedriver", "chromium-driver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The form as a user sees it, with a screenshot per step."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self.step = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob("browser-*.png"):
            old.unlink()

    def until(self, condition: Callable[[], T | bool | None], what: str) -> T:
        result: Any = WebDriverWait(self.driver, WAIT_S, poll_frequency=0.2).until(
            lambda _: condition(), message=f"the page did not show {what} within {WAIT_S} s"
        )
        return result  # type: ignore[no-any-return]

    def shot(self, name: str) -> Path:
        self.step += 1
        path = SCREENSHOTS / f"browser-{self.step:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path)), path
        return path

    def by_id(self, element_id: str) -> WebElement:
        return self.driver.find_element(By.ID, element_id)

    def text(self, element_id: str) -> str:
        return str(self.by_id(element_id).get_property("textContent"))

    def choose(self, name: str, value: str) -> None:
        Select(self.by_id(f"in-{name}")).select_by_value(value)

    def chosen(self, name: str) -> str:
        return str(Select(self.by_id(f"in-{name}")).first_selected_option.get_attribute("value"))

    def type(self, name: str, value: str) -> None:
        field = self.by_id(f"in-{name}")
        field.clear()
        field.send_keys(value, Keys.TAB)  # the form takes a text answer when the field loses focus

    def checked(self, name: str) -> list[str]:
        boxes = self.driver.find_elements(By.CSS_SELECTOR, f"#in-{name} input[type=checkbox]")
        return [str(box.get_attribute("value")) for box in boxes if box.is_selected()]

    def check(self, name: str, wanted: list[str]) -> None:
        """Ticks exactly ``wanted`` (each click rebuilds the boxes, so they are found again each time)."""
        while (now := self.checked(name)) != [v for v in self.values(name) if v in wanted]:
            value = next(v for v in self.values(name) if (v in wanted) != (v in now))
            self.driver.find_element(By.CSS_SELECTOR, f'#in-{name} input[value="{value}"]').click()

    def values(self, name: str) -> list[str]:
        boxes = self.driver.find_elements(By.CSS_SELECTOR, f"#in-{name} input[type=checkbox]")
        return [str(box.get_attribute("value")) for box in boxes]

    def query(self) -> dict[str, str]:
        """The answers in the address bar."""
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.driver.current_url).query))

    def refused_at(self, server: Server, field: str) -> str:
        """Waits for the refusal shown at ``field``; checks it is the service's own for the same query."""
        self.by_id("explore").click()
        self.until(
            lambda: "invalid" in str(self.by_id(f"q-{field}").get_attribute("class")), f"{field} refused"
        )
        status, problem = server.json("/preview", self.query())
        assert (status, problem["field"]) == (400, field), problem
        assert self.text(f"error-{field}") == problem["message"]
        assert self.text("problem") == f"{field}: {problem['message']}"
        assert self.by_id(f"error-{field}").is_displayed()
        return str(problem["message"])


def downloaded(folder: Path, name: str) -> bytes:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        done = folder / name
        if done.is_file() and not list(folder.glob("*.crdownload")):
            return done.read_bytes()
        time.sleep(0.2)
    raise AssertionError(
        f"{name} was not downloaded within {WAIT_S} s: {sorted(p.name for p in folder.iterdir())}"
    )


def refuse_a_source_the_line_lacks(page: Page, server: Server, meta: dict[str, Any]) -> None:
    """A source a Flink line does not offer: marked at once, refused by the service at its question."""
    by_line = next(q for q in meta["questions"] if q["name"] == "source")["choices_by_line"]
    line, choice = next(
        (line, choice)
        for line, apis in by_line.items()
        for choice in apis[meta["defaults"]["api"]]
        if choice["refused"]
    )
    page.choose("flink_version", line)
    page.choose("source", choice["value"])
    assert page.text("reason-source") == f"not offered: {choice['refused']}"
    assert choice["refused"] in page.refused_at(server, "source")
    page.shot("refused-source")


def answer(page: Page, server: Server) -> None:
    """The shared project's answers, with a project name copier's validator refuses first."""
    page.choose("experience", QUERY["experience"])
    page.choose("flink_version", QUERY["flink_version"])
    page.choose("source", QUERY["source"])
    page.check("sinks", QUERY["sinks"].split(","))
    page.choose("kafka_auth", QUERY["kafka_auth"])
    page.choose("iac", QUERY["iac"])
    page.type("project_name", "Orders/App")
    assert page.text("error-source") == ""  # a new answer clears the refusal
    page.refused_at(server, "project_name")
    page.shot("refused-project-name")
    page.type("project_name", QUERY["project_name"])
    assert page.query() == QUERY
    assert page.text("error-project_name") == ""
    page.driver.execute_script("arguments[0].scrollIntoView()", page.by_id("q-flink_version"))
    page.shot("answers")  # the README's docs/images/serve.png


def explore_the_pom(page: Page, reference: Path) -> None:
    """Explore: the tree lists the project's files; pom.xml opens with what `new` writes."""
    page.by_id("explore").click()
    pom = page.until(
        lambda: page.driver.find_elements(By.CSS_SELECTOR, '#tree button[data-path="pom.xml"]'),
        "the file tree",
    )[0]
    tree = [
        str(button.get_attribute("data-path"))
        for button in page.driver.find_elements(By.CSS_SELECTOR, "#tree button")
    ]
    assert sorted(tree) == sorted(files_of(reference))
    pom.click()
    page.until(lambda: page.text("file-name") == "pom.xml", "pom.xml")
    assert page.text("file-text") == (reference / "pom.xml").read_text(encoding="utf-8")
    assert page.query() == {**QUERY, "_explore": "1", "_file": "pom.xml"}
    page.shot("explore-pom")


def download_the_zip(page: Page, downloads: Path, reference: Path) -> None:
    """The zip Chromium saves holds, byte for byte and with exec bits, the project `new` writes."""
    page.by_id("download").click()
    answers = yaml.safe_load((reference / ".copier-answers.yml").read_text(encoding="utf-8"))
    artifact_id = str(answers["artifact_id"])
    tops, files = zip_files(downloaded(downloads, f"{artifact_id}.zip"))
    assert tops == {artifact_id}
    assert files == files_of(reference)
    assert page.text("status") == f"Downloaded {artifact_id}.zip."
    page.shot("downloaded")


def reload_the_link(page: Page, reference: Path) -> None:
    """Reloading the shared address restores the answers, Explore open on the same file."""
    page.driver.refresh()
    page.until(lambda: page.text("file-name") == "pom.xml", "the restored explorer")
    assert page.query() == {**QUERY, "_explore": "1", "_file": "pom.xml"}
    for name in ("flink_version", "source", "kafka_auth", "iac"):
        assert page.chosen(name) == QUERY[name], name
    assert page.checked("sinks") == QUERY["sinks"].split(",")
    assert page.by_id("in-project_name").get_property("value") == QUERY["project_name"]
    assert page.text("file-text") == (reference / "pom.xml").read_text(encoding="utf-8")
    page.shot("reloaded")


def test_the_page_in_a_browser(
    browser: webdriver.Chrome, downloads: Path, server: Server, reference: Path
) -> None:
    page = Page(browser)
    status, meta = server.json("/metadata")
    assert status == 200
    browser.get(f"{server.url}/")
    page.until(lambda: page.driver.find_elements(By.ID, "in-flink_version"), "the form")
    page.shot("form")
    refuse_a_source_the_line_lacks(page, server, meta)
    answer(page, server)
    explore_the_pom(page, reference)
    download_the_zip(page, downloads, reference)
    reload_the_link(page, reference)
