"""A citizen submits a dossier online; the one-stop desk receives it and prints the slip."""

from selenium.webdriver.common.by import By

from test_portal import body_text, fill, form_with, navigating, submit, wait_for_path

DEMO_PASSWORD = "tinhso2026"


def login(browser, base_url, who):
    browser.delete_all_cookies()
    browser.get(base_url + "/dang-nhap")
    fill(browser, {"login": who, "password": DEMO_PASSWORD})
    submit(form_with(browser, "login"))


def test_citizen_submits_and_desk_receives(browser, base_url):
    login(browser, base_url, "025090000001")
    wait_for_path(browser, "/tai-khoan")
    browser.get(base_url + "/thu-tuc/2.001610")
    browser.find_element(By.LINK_TEXT, "Nộp hồ sơ trực tuyến").click()
    wait_for_path(browser, "/thu-tuc/2.001610/nop")
    fill(browser, {
        "f_companyName": "Doanh nghiệp tư nhân Thử Nghiệm",
        "f_hqAddress": "Phường Việt Trì, Tỉnh Phú Thọ",
        "f_charterCapital": "300000000",
        "f_mainBusinessLine": "Bán lẻ hàng hóa",
        "f_representativeName": "Nguyễn Văn An",
        "f_representativeId": "025090000001",
    })
    navigating(browser, lambda: submit(form_with(browser, "f_companyName")))
    text = body_text(browser)
    assert "Đã nộp hồ sơ. Mã hồ sơ: H42.30-" in text
    code = browser.current_url.split("/ho-so/")[1].split("?")[0]

    login(browser, base_url, "motcua.tinh")
    wait_for_path(browser, "/can-bo")
    browser.get(base_url + "/can-bo/ho-so?hang=cho-tiep-nhan")
    browser.find_element(By.LINK_TEXT, code).click()
    wait_for_path(browser, f"/ho-so/{code}")
    navigating(browser, browser.find_element(By.XPATH, "//form[.//input[@value='receive']]//button").click)
    wait_for_path(browser, f"/ho-so/{code}")
    assert "Được tiếp nhận" in body_text(browser)
    navigating(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Mẫu 01").click)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in body_text(browser)
    assert code in body_text(browser)

    browser.delete_all_cookies()
    browser.get(base_url + f"/tra-cuu?ma={code}")
    assert "Được tiếp nhận" in body_text(browser)
    assert "Nguyễn Văn An" not in body_text(browser)
