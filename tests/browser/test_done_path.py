"""The one-stop's whole path in the demo, as its users click through it:
a citizen submits online with documents, the desk receives and hands over, a specialist asks for a
supplement, the citizen supplies it, two agencies appraise in parallel, the leader approves, the
electronic result reaches the citizen's Kho, the desk returns it and the citizen rates it; every
form along the way prints."""

import os
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_portal import body_text, fill, form_with, navigating, submit, wait_for_path

DEMO_PASSWORD = "tinhso2026"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_file(name):
    path = os.path.join(tempfile.gettempdir(), name)
    with open(path, "wb") as f:
        f.write(PDF)
    return path


def login(browser, base_url, who):
    browser.delete_all_cookies()
    browser.get(base_url + "/dang-nhap")
    fill(browser, {"login": who, "password": DEMO_PASSWORD})
    navigating(browser, lambda: submit(form_with(browser, "login")))


def act(browser, action, values=None, selects=None, radio=None):
    """Submits the dossier page's form for `action` and waits for the page to come back."""
    form = browser.find_element(By.ID, f"form-{action}")
    for name, value in (values or {}).items():
        el = form.find_element(By.NAME, f"{name}-{action}")
        el.clear()
        el.send_keys(value)
    for name, value in (selects or {}).items():
        Select(form.find_element(By.NAME, f"{name}-{action}")).select_by_value(value)
    if radio:
        form.find_element(By.CSS_SELECTOR, f'input[name="{radio[0]}-{action}"][value="{radio[1]}"]').click()
    navigating(browser, lambda: submit(form))
    alerts = [a.text for a in browser.find_elements(By.CSS_SELECTOR, '[role="alert"]') if a.text.strip()]
    assert not alerts, f"{action}: {alerts}"


def status(browser):
    return body_text(browser)


def test_submit_supplement_parallel_approve_kho_rate(browser, base_url):
    # The citizen submits online, each mandatory document uploaded.
    login(browser, base_url, "025090000001")
    browser.get(base_url + "/thu-tuc/2.000669/nop")
    fill(browser, {
        "f_orgName": "Công ty TNHH Xăng dầu Thử Nghiệm", "f_orgTaxCode": "2600123456", "f_orgAddress": "Phường Phong Châu, Tỉnh Phú Thọ",
        "f_representativeName": "Nguyễn Văn An", "f_representativeId": "025090000001", "f_orgPhone": "0912345678",
        "f_stationAddress": "Quốc lộ 2, Phường Phong Châu", "f_pumps": "4",
    })
    for i in range(4):
        browser.find_element(By.ID, f"upload_{i}").send_keys(pdf_file(f"tai-lieu-{i}.pdf"))
    navigating(browser, lambda: submit(form_with(browser, "f_orgName")))
    assert "Đã nộp hồ sơ. Mã hồ sơ: H42.30-" in body_text(browser)
    code = browser.current_url.split("/ho-so/")[1].split("?")[0]
    dossier = base_url + f"/ho-so/{code}"

    # The desk receives (Mẫu 01 with its QR code) and hands the dossier over.
    login(browser, base_url, "motcua.tinh")
    browser.get(dossier)
    act(browser, "receive")
    assert "Được tiếp nhận" in status(browser)
    act(browser, "start-processing")
    browser.get(dossier + "/mau/01")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in body_text(browser)
    assert browser.find_elements(By.CSS_SELECTOR, ".qr svg")

    # Anyone can follow it by code, without seeing who applied.
    browser.delete_all_cookies()
    browser.get(base_url + f"/tra-cuu?ma={code}")
    assert "Đang xử lý" in body_text(browser) and "Nguyễn Văn An" not in body_text(browser)

    # The lead agency's specialist asks for a supplement (Mẫu 02); the clock stops.
    login(browser, base_url, "chuyenvien.congthuong")
    browser.get(dossier)
    act(browser, "request-supplement", {"comment": "Bổ sung sơ đồ mặt bằng cửa hàng"})
    assert "Yêu cầu bổ sung giấy tờ" in status(browser)
    browser.get(dossier + "/mau/02")
    assert "Bổ sung sơ đồ mặt bằng cửa hàng" in body_text(browser)

    # The citizen uploads the missing paper and supplies the dossier.
    login(browser, base_url, "025090000001")
    browser.get(dossier)
    browser.find_element(By.ID, "file").send_keys(pdf_file("so-do-mat-bang.pdf"))
    navigating(browser, lambda: submit(form_with(browser, "document")))
    assert "so-do-mat-bang.pdf" in body_text(browser)
    act(browser, "supplement")
    assert "Đang xử lý" in status(browser)

    # Two agencies appraise in parallel; the lead attaches the signed electronic result.
    login(browser, base_url, "chuyenvien.congan")
    browser.get(dossier)
    act(browser, "propose", {"comment": "Đạt yêu cầu phòng cháy, chữa cháy"}, radio=("proposal", "grant"))
    login(browser, base_url, "chuyenvien.congthuong")
    browser.get(dossier)
    document = Select(browser.find_element(By.ID, "document"))
    result = next(o for o in document.options if o.text.startswith("Kết quả:"))
    document.select_by_value(result.get_attribute("value"))
    browser.find_element(By.NAME, "electronicResult").click()
    browser.find_element(By.ID, "file").send_keys(pdf_file("giay-chung-nhan.pdf"))
    navigating(browser, lambda: submit(form_with(browser, "electronicResult")))
    assert "kết quả điện tử" in body_text(browser)
    act(browser, "propose", {"comment": "Đủ điều kiện cấp"}, radio=("proposal", "grant"))

    # The leader approves; the sheet shows both agencies' steps.
    login(browser, base_url, "lanhdao.congthuong")
    browser.get(dossier)
    act(browser, "approve", {"comment": "Đồng ý cấp"})
    assert "Đã xử lý xong" in status(browser)
    browser.get(dossier + "/mau/06")
    sheet = body_text(browser)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in sheet and "Công an tỉnh" in sheet

    # The result is already in the citizen's Kho.
    login(browser, base_url, "025090000001")
    browser.get(base_url + "/kho")
    assert f"Kết quả điện tử của hồ sơ {code}" in body_text(browser)

    # The desk returns it online; the citizen rates the service.
    login(browser, base_url, "motcua.tinh")
    browser.get(dossier)
    act(browser, "return-result", selects={"returnMethod": "online"})
    assert "Đã trả kết quả" in status(browser)
    login(browser, base_url, "025090000001")
    browser.get(dossier)
    act(browser, "rate", radio=("rating", "3"))
    assert "Rất hài lòng" in status(browser)
    wait_for_path(browser, f"/ho-so/{code}")
