"""Fixtures for the browser tests: headless Chromium driven by Selenium.

Environment:
  TINHSO_BASE_URL       the running server (scripts/test sets it), default http://127.0.0.1:8080
  TINHSO_CHROMIUM       Chromium binary, default /usr/bin/chromium
  TINHSO_CHROMEDRIVER   chromedriver, default /usr/bin/chromedriver (Debian's chromium-driver)
  TINHSO_BROWSER_ARTIFACTS  where a failing test leaves a screenshot and the page HTML
"""

import os
import pathlib
import re
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

# Selenium Manager must never try to download a browser or driver: there is no network.
os.environ.setdefault("SE_OFFLINE", "true")

BASE_URL = os.environ.get("TINHSO_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
CHROMIUM = os.environ.get("TINHSO_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TINHSO_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = pathlib.Path(
    os.environ.get("TINHSO_BROWSER_ARTIFACTS", os.path.join(tempfile.gettempdir(), "tinhso-browser"))
)

DESKTOP = (1280, 900)
PHONE = (390, 844)


def make_driver(width, height, mobile=False):
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--lang=vi-VN",
        f"--window-size={width},{height}",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    if mobile:
        # Emulate a phone's screen: a page without <meta name="viewport"> is then laid
        # out 980px wide, exactly as a real phone would do it.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 3, "mobile": True},
        )
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    return driver


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _save_artifacts(request, driver):
    rep = getattr(request.node, "rep_call", None)
    if rep is None or not rep.failed:
        return
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        driver.save_screenshot(str(ARTIFACTS / f"{stem}.png"))
        (ARTIFACTS / f"{stem}.html").write_text(
            f"<!-- {driver.current_url} -->\n{driver.page_source}", encoding="utf-8"
        )
        print(f"\nbrowser artifacts: {ARTIFACTS / stem}.png / .html (at {driver.current_url})")
    except Exception as exc:  # never hide the real failure
        print(f"\ncould not save browser artifacts: {exc}")


@pytest.fixture
def browser(request):
    """A fresh desktop-sized browser (1280x900) per test: no cookies carried over."""
    driver = make_driver(*DESKTOP)
    yield driver
    _save_artifacts(request, driver)
    driver.quit()


@pytest.fixture
def phone(request):
    """A fresh phone-sized browser (390x844, mobile emulation)."""
    driver = make_driver(*PHONE, mobile=True)
    yield driver
    _save_artifacts(request, driver)
    driver.quit()


@pytest.fixture
def base_url():
    return BASE_URL
