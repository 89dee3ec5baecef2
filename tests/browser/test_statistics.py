"""The statistics as an official and a wall display use them: the figures of the year link to
the dossiers they count, a bad period is explained, and the public dashboard draws its charts
on a phone without any script."""

import datetime

from selenium.webdriver.common.by import By

from test_done_path import login
from test_portal import body_text, fill, form_with, navigating, submit, wait_for_path


def test_a_figure_leads_to_its_dossiers(browser, base_url):
    login(browser, base_url, "lanhdao.taichinh")
    year = datetime.date.today().year
    # The leader's own department: its dossiers open for them (others' are listed without a link).
    browser.get(f"{base_url}/thong-ke?ky={year}&co-quan=H42.03")
    assert "Thống kê giải quyết thủ tục hành chính" in body_text(browser)
    received = browser.find_element(By.XPATH, "//tr[th[normalize-space()='Tiếp nhận trong kỳ']]//a")
    assert int(received.text.replace(".", "")) > 0
    navigating(browser, received.click)
    wait_for_path(browser, "/thong-ke/ho-so")
    first = browser.find_element(By.CSS_SELECTOR, "table a[href^='/ho-so/']")
    code = first.text
    navigating(browser, first.click)
    wait_for_path(browser, f"/ho-so/{code}")

    # A period that does not exist is explained on the page itself.
    browser.get(f"{base_url}/thong-ke")
    fill(browser, {"ky": f"{year}-13"})
    navigating(browser, lambda: submit(form_with(browser, "ky")))
    assert "Kỳ báo cáo không hợp lệ" in body_text(browser)


def test_the_dashboard_on_a_phone(phone, base_url):
    phone.get(base_url + "/bang-dieu-khien")
    text = body_text(phone)
    assert "Bảng điều khiển chỉ số phục vụ" in text and "Điểm QĐ 766" in text
    assert phone.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    # Nothing is wider than the phone's screen but the tables, which scroll inside their box.
    width = phone.execute_script("return document.documentElement.clientWidth")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width + 1
