"""End-to-end tests of the citizen portal in a real (headless) Chromium.

The page contract these tests rely on:
  /              home, search form <form action="/thu-tuc" role="search"> with <input id="q" name="q">
  /thu-tuc?q=    results as <a class="procedure-link" href="/thu-tuc/{code}">{name}</a>
  /thu-tuc/{c}   detail page, <h1> holds the procedure name
  /dang-ky       registration (fullName, identityNumber, phone, email, password, passwordConfirm);
                 success lands on /tai-khoan, an error re-shows the form with role="alert"
  /dang-nhap     login (login, password); success lands on /tai-khoan
  /dang-xuat     POST form with a submit button on every page while logged in
"""

import random
import time
from urllib.parse import urlparse

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 20  # seconds; the first requests after start-up may be slow on a busy CI machine
PASSWORD = "MatKhau#2026xyz"
FULL_NAME = "Nguyễn Thị Thử Nghiệm"

_rng = random.Random(time.time_ns())


def fresh_cccd():
    """A well-formed 12-digit CCCD: province 025 (Phú Thọ), a woman born 1970-1999
    (century/gender digit 1), then the birth year's last two digits and 6 random digits."""
    year = _rng.randint(70, 99)
    return f"0251{year:02d}{_rng.randint(0, 999_999):06d}"


def fresh_phone():
    return f"0912{_rng.randint(0, 999_999):06d}"


def path_of(driver):
    return urlparse(driver.current_url).path.rstrip("/") or "/"


def wait_for_path(driver, path, timeout=WAIT):
    try:
        WebDriverWait(driver, timeout).until(lambda d: path_of(d) == path)
    except TimeoutException:
        alerts = [a.text for a in driver.find_elements(By.CSS_SELECTOR, '[role="alert"]') if a.text.strip()]
        raise AssertionError(
            f"expected to land on {path}, still at {driver.current_url}"
            + (f"; page says: {alerts}" if alerts else "")
        ) from None


def body_text(driver):
    """The page's text, once the page has settled (a navigation in flight makes elements stale)."""
    def text(d):
        try:
            return d.find_element(By.TAG_NAME, "body").text
        except StaleElementReferenceException:
            return False
    return WebDriverWait(driver, WAIT).until(text)


def wait_until_left(driver, old):
    """Waits until `old` (the previous page's <html>) is stale, i.e. the browser has left the page.
    While a navigation is in flight Chromium may answer a probe with a transient error
    ("unhandled inspector error") instead of "stale"; that means "not yet", so it is retried."""
    WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,)).until(EC.staleness_of(old))


def navigating(driver, act):
    """Runs `act` (a click or a submit) and waits until the browser has left the current page."""
    old = driver.find_element(By.TAG_NAME, "html")
    act()
    wait_until_left(driver, old)


def form_with(driver, field_name):
    """The form that contains the input named `field_name`."""
    return driver.find_element(By.XPATH, f"//form[.//*[@name='{field_name}']]")


def submit(form):
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"], input[type="submit"]').click()


def fill(driver, values):
    for name, value in values.items():
        el = driver.find_element(By.ID, name)
        assert el.get_attribute("name") == name, f"#{name} should also be named {name!r}"
        el.clear()
        el.send_keys(value)


def registration_values(cccd):
    return {
        "fullName": FULL_NAME,
        "identityNumber": cccd,
        "phone": fresh_phone(),
        "email": f"thu.nghiem.{cccd}@example.com",
        "password": PASSWORD,
        "passwordConfirm": PASSWORD,
    }


def logout(driver):
    forms = driver.find_elements(By.CSS_SELECTOR, 'form[action="/dang-xuat"]')
    assert forms, "a logged-in page must offer the /dang-xuat form"
    assert forms[0].get_attribute("method").lower() == "post"
    old = driver.find_element(By.TAG_NAME, "html")
    submit(forms[0])
    wait_until_left(driver, old)


# (a) ---------------------------------------------------------------------------------------

def test_search_from_home_finds_birth_registration(browser, base_url):
    browser.get(base_url + "/")
    search = browser.find_element(By.CSS_SELECTOR, 'form[role="search"]')
    assert urlparse(search.get_attribute("action")).path == "/thu-tuc"
    q = search.find_element(By.ID, "q")
    assert q.get_attribute("name") == "q"
    q.send_keys("dang ky khai sinh")
    submit(search)

    wait_for_path(browser, "/thu-tuc")
    assert "q=" in urlparse(browser.current_url).query
    WebDriverWait(browser, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "a.procedure-link")
    )
    links = browser.find_elements(By.CSS_SELECTOR, "a.procedure-link")
    matching = [a for a in links if "khai sinh" in a.text.lower()]
    assert matching, f"no result mentions 'khai sinh': {[a.text for a in links]}"
    link = matching[0]
    href_path = urlparse(link.get_attribute("href")).path
    assert href_path.startswith("/thu-tuc/") and len(href_path) > len("/thu-tuc/"), href_path
    link_text = link.text

    link.click()
    wait_for_path(browser, href_path.rstrip("/"))
    h1 = WebDriverWait(browser, WAIT).until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
    assert "khai sinh" in h1.text.lower(), f"h1 is {h1.text!r}"
    name, heading = " ".join(link_text.lower().split()), " ".join(h1.text.lower().split())
    assert name in heading or heading in name, f"detail h1 {h1.text!r} does not match the result {link_text!r}"


# (b) ---------------------------------------------------------------------------------------

def test_register_logout_login(browser, base_url):
    cccd = fresh_cccd()
    browser.get(base_url + "/dang-ky")
    fill(browser, registration_values(cccd))
    submit(form_with(browser, "fullName"))

    wait_for_path(browser, "/tai-khoan")
    assert FULL_NAME in body_text(browser), "the account page should show the citizen's full name"

    logout(browser)
    browser.get(base_url + "/tai-khoan")
    assert FULL_NAME not in body_text(browser), "after logging out the account page must not show the name"
    assert not browser.find_elements(By.CSS_SELECTOR, 'form[action="/dang-xuat"]'), "still logged in after logout"

    browser.get(base_url + "/dang-nhap")
    fill(browser, {"login": cccd, "password": PASSWORD})
    submit(form_with(browser, "login"))
    wait_for_path(browser, "/tai-khoan")
    assert FULL_NAME in body_text(browser)
    assert browser.find_elements(By.CSS_SELECTOR, 'form[action="/dang-xuat"]'), "logged-in page lacks the logout form"


# (c) ---------------------------------------------------------------------------------------

def test_register_with_invalid_cccd_shows_alert(browser, base_url):
    browser.get(base_url + "/dang-ky")
    values = registration_values(fresh_cccd())
    values["identityNumber"] = "123"
    fill(browser, values)
    form = form_with(browser, "fullName")
    # Check the server's own validation: a pattern/required attribute would let the
    # browser stop the submission before the server ever sees it.
    browser.execute_script("arguments[0].noValidate = true;", form)
    navigating(browser, lambda: submit(form))

    def shown_alert(d):
        texts = [a.text.strip() for a in d.find_elements(By.CSS_SELECTOR, '[role="alert"]') if a.is_displayed()]
        return [t for t in texts if t]

    try:
        alerts = WebDriverWait(browser, WAIT).until(shown_alert)
    except TimeoutException:
        raise AssertionError(f"no visible role=alert message at {browser.current_url}") from None
    assert alerts
    assert path_of(browser) != "/tai-khoan"
    # The form is shown again, so the person can correct the number.
    assert browser.find_elements(By.ID, "identityNumber"), "the registration form should be shown again"


# (d) ---------------------------------------------------------------------------------------

def test_home_fits_phone_width(phone, base_url):
    phone.get(base_url + "/")
    WebDriverWait(phone, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    # Without <meta name="viewport" content="width=device-width"> a phone lays the page out
    # 980px wide and shrinks it (tiny text).
    viewport = phone.execute_script(
        "const m = document.querySelector('meta[name=viewport]'); return m ? m.content : null")
    assert viewport and "width=device-width" in viewport.replace(" ", ""), (
        f"the home page needs <meta name=viewport content='width=device-width, ...'>, has {viewport!r}")
    inner = phone.execute_script("return window.innerWidth")
    scroll = phone.execute_script("return document.documentElement.scrollWidth")
    # With mobile emulation, content wider than the screen widens the layout viewport
    # (innerWidth grows past 390) instead of only growing scrollWidth: check both.
    assert scroll <= inner and inner <= 390, (
        f"horizontal scroll at phone width: scrollWidth {scroll}, innerWidth {inner}, screen 390")
    q = phone.find_element(By.ID, "q")
    assert q.is_displayed()
    right = phone.execute_script("return arguments[0].getBoundingClientRect().right", q)
    assert right <= 390, f"search box sticks out of the screen (right edge {right} > 390)"
