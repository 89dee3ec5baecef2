"""Officials sign in and administer; anyone reads the working calendar."""

from selenium.webdriver.common.by import By

from test_portal import body_text, fill, form_with, navigating, submit, wait_for_path

DEMO_PASSWORD = "tinhso2026"


def test_admin_signs_in_and_reaches_the_admin_area(browser, base_url):
    browser.get(base_url + "/dang-nhap")
    fill(browser, {"login": "admin", "password": DEMO_PASSWORD})
    submit(form_with(browser, "login"))
    wait_for_path(browser, "/can-bo")
    assert "Quản trị hệ thống" in body_text(browser)
    browser.find_element(By.CSS_SELECTOR, 'nav[aria-label="Tài khoản"] a[href="/quan-tri"]').click()
    wait_for_path(browser, "/quan-tri")
    browser.find_element(By.CSS_SELECTOR, 'main a[href="/quan-tri/lich"]').click()
    wait_for_path(browser, "/quan-tri/lich")
    assert "Lịch nghỉ lễ, Tết theo năm" in body_text(browser)


def test_month_view_shows_tet_with_lunar_dates(browser, base_url):
    browser.get(base_url + "/lich?nam=2026&thang=2")
    text = body_text(browser)
    assert "Tết Âm lịch (mùng 1)" in text
    cells = browser.find_elements(By.CSS_SELECTOR, "table.month td.holiday")
    assert len(cells) >= 5, "the Tết weekdays 16–20/02/2026 are marked as days off"
    navigating(browser, browser.find_element(By.CSS_SELECTOR, 'a[rel="next"]').click)
    assert "tháng 3/2026" in body_text(browser)
