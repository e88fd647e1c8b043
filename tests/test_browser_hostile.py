"""Hostile input in a real browser (Playwright and Debian's Chromium against `streamlit run app.py`).

Only the real renderer shows whether markdown turned someone's words into a link.
"""

from tests.test_browser import no_traceback, page, server  # noqa: F401 - fixtures

EVIL_LINKS = 'a[href*="evil.example"]'


def test_hostile_words_never_become_links(server, page, tmp_path):
    page.goto(server + "/train?categories=http://evil.example/login,www.evil.example,boss@evil.example")
    page.get_by_text("unknown newsgroup").first.wait_for()
    page.wait_for_timeout(500)
    assert page.locator(EVIL_LINKS).count() == 0
    assert page.locator('a[href^="mailto:"]').count() == 0

    words = {"http://evil.example/k": "invoice refund charge payment", "www.evil.example": "router wifi outage vpn",
             "[c](http://evil.example/c)": "password login locked reset"}
    rows = ["text,team"] + [f"my {w.split()[i % 4]} and {w.split()[(i + 1) % 4]} again,{team}"
                            for team, w in words.items() for i in range(25)]
    csv_file = tmp_path / "www.evil.example.csv"
    csv_file.write_text("\n".join(rows) + "\n")
    page.goto(server + "/data")
    page.get_by_text("Your own file").click()
    page.locator("input[type=file]").set_input_files(str(csv_file))
    page.get_by_text("Using 75 rows in 3 classes").wait_for()
    page.get_by_role("button", name="Use this data").click()
    page.get_by_text("Using your own data").wait_for()
    page.wait_for_timeout(500)
    shown = page.locator("body").inner_text().replace("\u2060", "")  # the joiner that keeps "www." from linking
    assert shown.count("www.evil.example.csv") >= 2, shown  # the page and the sidebar name the file
    assert page.locator(EVIL_LINKS).count() == 0
    for name in ("2. Train", "Saved runs"):
        page.get_by_role("link", name=name).first.click()
        page.wait_for_timeout(1500)
        assert page.locator(EVIL_LINKS).count() == 0, name
    no_traceback(page)


def test_page_addresses_ignore_case(server, page):
    page.goto(server + "/Train")
    page.get_by_text("2. Train: teach the network").wait_for(timeout=30_000)
    page.goto(server + "/Runs")
    page.get_by_role("heading", name="Saved runs").first.wait_for(timeout=30_000)
    assert page.get_by_text("Page not found").count() == 0
    no_traceback(page)
