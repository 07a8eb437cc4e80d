"""Issue #12's "Done when", in Chromium: the network translates itself.

A Stara Zagora officer submits a short release in the office, plans the fallback
sq=en and sends it before any language is approved (the ledger freezes the
audience; every language but Bulgarian waits). The Zagreb reviewer, in the
Croatian interface, types Croatian with the editor's keys and approves: Croatian
subscribers get it at once. Bosnian and Montenegrin open pre-filled from
Croatian; a reviewer corrects one segment each and approves. A translator types
Serbian Latin, its reviewer approves, and Serbian Cyrillic is drafted by script
and approved. English is approved; the Albanian deadline passes (Celery beat's
function, run directly) and Albanian subscribers get English with the notice in
Albanian. Every subscriber receives exactly one message. A second release
repeating half of the sentences opens in the Croatian editor with those
pre-filled from the memory and the others as fuzzy suggestions with a score.

The set-up (people, roles, subscribers) is Python, as in
tests/integration/test_deadlines_cli.py, the same scenario through the CLI.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from b40news.delivery.models import Delivery
from b40news.network.models import MailingList
from b40news.network.sample import load_sample
from b40news.releases import reviewers, workflow
from b40news.releases.models import Release, Translation
from tests.browser.conftest import ARTIFACTS
from tests.web.test_office_fixtures import PASSWORD, add_subscribers, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LIST = "stara-zagora-news"
READERS = ["bg", "hr", "hr", "bs", "cnr", "sr-Latn", "sr-Cyrl", "sr-Cyrl", "sq", "sq", "en"]
TITLE = "Среща на кметовете в Загреб"
BODY = ["Кметът на Загреб откри срещата в петък.", "Общината покани гости от Варна и Бургас.",
        "Срещата продължи цял ден.", "Следващата среща ще бъде в Скопие."]
HR = ["Sastanak gradonačelnika u Zagrebu", "Gradonačelnik Zagreba otvorio je sastanak u petak.",
      "Općina je pozvala goste iz Varne i Burgasa.", "Sastanak je trajao cijeli dan.",
      "Sljedeći sastanak bit će u Skoplju."]
SR = ["Sastanak gradonačelnika u Zagrebu", "Gradonačelnik Zagreba otvorio je sastanak u petak.",
      "Opština je pozvala goste iz Varne i Burgasa.", "Sastanak je trajao ceo dan.",
      "Sledeći sastanak biće u Skoplju."]
BS_LAST = "Sljedeći sastanak bit će u Skoplju, u proljeće."
CNR_LAST = "Sljedeći sastanak biće u Skoplju."
# The second release: two of the first's sentences word for word, two changed a little.
TARGET = "textarea[name$=-target]"  # a segment's translation (its comment has a textarea too)
SECOND_TITLE = "Нова среща в Загреб"
SECOND = ["Кметът на Загреб откри срещата в събота.", "Общината покани гости от Варна и Бургас.",
          "Срещата продължи цял ден.", "Следващата среща ще бъде в Охрид."]


@pytest.fixture
def people():
    """Ana, Stara Zagora's officer (no reviewer role); Marija of Zagreb, Croatian reviewer for the
    whole network; Amra (bs) and Vesna (cnr) reviewers; Tome, Serbian Latin translator; Dragan,
    reviewer of both Serbian scripts; John, the English reviewer. One list, readers of 8 languages."""
    load_sample(0)
    make_user("ana", city="stara-zagora")
    make_user("marija", city="zagreb")
    for name in ("amra", "vesna", "tome", "dragan", "john"):
        make_user(name)
    for user, code, role in (("marija", "hr", reviewers.REVIEWER), ("amra", "bs", reviewers.REVIEWER),
                             ("vesna", "cnr", reviewers.REVIEWER), ("tome", "sr-Latn", reviewers.TRANSLATOR),
                             ("dragan", "sr-Latn", reviewers.REVIEWER), ("dragan", "sr-Cyrl", reviewers.REVIEWER),
                             ("john", "en", reviewers.REVIEWER)):
        reviewers.grant(user, code, role=role)
    return {subscriber.email: subscriber.language.code for subscriber in add_subscribers(LIST, READERS)}


def wait_until(check, seconds: float = 180) -> None:
    """Polled from here: the CSP forbids the eval wait_for_function needs."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert check()


def translation(release, code: str) -> Translation:
    return Translation.objects.get(release=release, language__code=code)


def newsletters(mta) -> list:
    """List mail only (the reviewers' notices are not)."""
    return [message for message in mta.messages() if message["List-Id"]]


def received(mta, readers: dict[str, str], code: str) -> list[str]:
    return [message.get_body(("plain",)).get_content() for message in newsletters(mta)
            if readers.get(message["To"]) == code]


def log_in(browser, base: str, username: str, language: str | None = None):
    """A session of the user's own (login by Enter), in the interface language chosen on the switcher."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{base}/office/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{base}/office/")
    if language:
        page.select_option("#language-select", language)
        page.click(".language-switcher button[type=submit]")
        page.wait_for_selector(f'html[lang="{language}"]')
    return page


def open_editor(page, base: str, release_id: int, code: str) -> None:
    page.goto(f"{base}/office/releases/{release_id}/review/{code}/")
    page.wait_for_selector('#editor[data-ready="1"]')  # editor.js ran


def type_segments(page, release, code: str, texts: list[str], *, replace: bool = False) -> None:
    """Alt+Down opens the first segment; each text typed, Ctrl+Enter saves it and opens the next."""
    page.keyboard.press("Alt+ArrowDown")
    for index, text in enumerate(texts):
        row = page.locator(f"#segment-{index + 1}")
        assert "active" in row.get_attribute("class").split()
        if replace:
            page.keyboard.press("Control+A")  # in the open segment's textarea: its draft
            page.keyboard.press("Delete")
        page.keyboard.type(text)
        page.keyboard.press("Control+Enter")
        page.wait_for_selector(f'#segment-{index + 1}[data-state="edited"]')
        wait_until(lambda: translation(release, code).segments[index].get("target") == text)


def correct(page, release, code: str, number: int, text: str) -> None:
    """Click the segment's translation, replace it, save with Ctrl+Enter."""
    row = page.locator(f"#segment-{number}")
    row.locator('[data-role="target"]').click()
    area = row.locator(TARGET)
    area.fill("")
    area.type(text)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f'#segment-{number}[data-state="edited"]')
    wait_until(lambda: translation(release, code).segments[number - 1].get("target") == text)


def approve(page, release, code: str) -> None:
    """The approve button of the language's page (despite flags, when it names them): a reviewer's act."""
    page.reload()
    page.wait_for_selector('#editor[data-ready="1"]')
    page.click('form[action$="/approve/"] button[type=submit]')
    page.wait_for_selector("ul.messages")
    wait_until(lambda: translation(release, code).status == Translation.Status.APPROVED)


@pytest.fixture
def screenshot_of(request):
    """``screenshot_of(page, "name")``: another person's page, beside the officer's (`screenshot`'s folder)."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return lambda other_page, name: other_page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_network_translates_a_release_in_the_browser(page, browser, live_server, screenshot, screenshot_of,
                                                          mta, settings, people):
    settings.SMTP_URL = mta.url
    base, readers = live_server.url, people

    # 1. The officer submits in the office, plans sq=en, and sends before any approval.
    page.goto(f"{base}/office/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{base}/office/")
    page.goto(f"{base}/office/releases/new/")
    page.fill("#id_title", TITLE)
    page.fill("#id_body", "\n\n".join(BODY))
    list_pk = MailingList.objects.get(slug=LIST).pk
    for box in page.locator("input[name=lists]").all():
        box.set_checked(box.get_attribute("value") == str(list_pk))
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#deadline-form")
    release = Release.objects.get(title=TITLE)
    assert page.url == f"{base}/office/releases/{release.pk}/"
    page.fill("#deadline-form input[type=datetime-local]", "2099-01-01T09:00")
    page.fill("#deadline-form input[name=fallbacks]", "sq=en")
    page.click("#deadline-form button[type=submit]")
    page.wait_for_selector("ul.messages")
    release.refresh_from_db()
    assert release.planned_fallbacks == {"sq": "en"} and release.deadline.year == 2099
    screenshot("officer-release")
    page.click("#send-button")
    page.wait_for_selector("#audience")
    assert int(page.locator("#total-now").inner_text()) == 1  # the Bulgarian reader
    assert int(page.locator("#total-waiting").inner_text()) == len(READERS) - 1
    screenshot("officer-confirm")
    page.click("#confirm-send")
    page.wait_for_url(f"{base}/office/releases/{release.pk}/progress/")
    waiting = Counter(Delivery.objects.filter(release=release, state="waiting").values_list("language", flat=True))
    assert waiting == Counter(code for code in READERS if code != "bg")
    wait_until(lambda: len(received(mta, readers, "bg")) == 1)

    # 2. The Zagreb reviewer, in the Croatian interface, types Croatian and approves.
    marija = log_in(browser, base, "marija", "hr")
    open_editor(marija, base, release.pk, "hr")
    assert "Priopćenja" in marija.locator("body").inner_text()  # "Releases", in Croatian
    assert marija.locator('details[data-role="editor"][open]').count() == 0
    assert marija.locator("#approve-form").is_hidden()  # nothing to approve yet
    type_segments(marija, release, "hr", HR)
    assert marija.locator("#approve-form").is_visible()  # the last save completed it: no reload needed
    screenshot_of(marija, "hr-typed")
    approve(marija, release, "hr")
    assert "marija" in marija.locator(".approval").inner_text()
    assert translation(release, "hr").approved_by_name == "marija"
    wait_until(lambda: len(received(mta, readers, "hr")) == 2)  # sent at once, nobody pressed Send
    assert all(HR[2] in body for body in received(mta, readers, "hr"))
    marija.context.close()

    # 3. Bosnian and Montenegrin open pre-filled from Croatian; a reviewer corrects one segment each and
    #    approves (both open before either is approved: once Bosnian is, Montenegrin's drafts may come from it).
    pages = {}
    for user, code, last in (("amra", "bs", BS_LAST), ("vesna", "cnr", CNR_LAST)):
        wait_until(lambda: len(translation(release, code).segments) == 5)
        reviewer = pages[code] = log_in(browser, base, user)
        open_editor(reviewer, base, release.pk, code)
        assert reviewer.locator("tr.segment").count() == 5
        stored = translation(release, code).segments
        for number in range(1, 6):
            row = reviewer.locator(f"#segment-{number}")
            assert row.get_attribute("data-state") == "draft"
            assert row.locator('[data-role="state"]').inner_text() == "draft"
            assert "(a neighbouring language · hr)" in row.locator(".suggestion").text_content()
            assert row.locator(TARGET).input_value() == stored[number - 1]["target"] != ""
            assert row.locator('[data-role="target"]').inner_text().strip() == stored[number - 1]["target"]
        assert reviewer.locator(f"#segment-4 {TARGET}").input_value() == HR[3]  # the same in all three
        # "iz Varne" is the reviewed Croatian's inflected form of the glossary's Varna: no glossary alarm.
        assert "glossary term" not in reviewer.locator("#segment-3").inner_text()
        correct(reviewer, release, code, 5, last)
        flagged = translation(release, code).flagged  # the corrected segment is a person's: one flag fewer
        assert flagged == 4 and reviewer.locator("#flagged-count").get_attribute("data-count") == "4"
        assert reviewer.locator("#approve-button").inner_text() == "Approve despite 4 flagged segments"
        screenshot_of(reviewer, f"{code}-corrected")
    for code, last in (("bs", BS_LAST), ("cnr", CNR_LAST)):
        approve(pages[code], release, code)
        wait_until(lambda: len(received(mta, readers, code)) == 1)
        assert last in received(mta, readers, code)[0]
        pages[code].context.close()

    # 4. Serbian Latin typed by its translator (over the sibling draft), approved by its reviewer;
    #    Serbian Cyrillic follows by script and is approved.
    tome = log_in(browser, base, "tome")
    open_editor(tome, base, release.pk, "sr-Latn")
    type_segments(tome, release, "sr-Latn", SR, replace=True)
    tome.reload()
    assert tome.locator('form[action$="/approve/"]').count() == 0  # a translator does not approve
    assert tome.locator("#approve-note").count() == 1
    screenshot_of(tome, "sr-Latn-typed")
    tome.context.close()
    dragan = log_in(browser, base, "dragan")
    open_editor(dragan, base, release.pk, "sr-Latn")
    approve(dragan, release, "sr-Latn")
    wait_until(lambda: len(received(mta, readers, "sr-Latn")) == 1)
    wait_until(lambda: [s["target"] for s in translation(release, "sr-Cyrl").segments][-1:]
               == ["Следећи састанак биће у Скопљу."])
    open_editor(dragan, base, release.pk, "sr-Cyrl")
    assert dragan.locator("#segment-5 textarea[name$=-target]").input_value() == "Следећи састанак биће у Скопљу."
    assert "the other Serbian script" in dragan.locator("#segment-5 .suggestion").text_content()
    screenshot_of(dragan, "sr-Cyrl-drafted")
    approve(dragan, release, "sr-Cyrl")
    wait_until(lambda: len(received(mta, readers, "sr-Cyrl")) == 2)
    assert all("Следећи састанак биће у Скопљу." in body for body in received(mta, readers, "sr-Cyrl"))
    dragan.context.close()

    # 5. English approved by its reviewer; the Albanian deadline passes: English, with the notice in Albanian.
    john = log_in(browser, base, "john")
    open_editor(john, base, release.pk, "en")
    approve(john, release, "en")
    wait_until(lambda: len(received(mta, readers, "en")) == 1)
    john.context.close()
    assert received(mta, readers, "sq") == []  # the deadline has not passed
    page.goto(f"{base}/office/releases/{release.pk}/")
    page.fill("#deadline-form input[type=datetime-local]", "2020-01-01T09:00")
    page.click("#deadline-form button[type=submit]")
    page.wait_for_selector("ul.messages")
    assert Delivery.objects.filter(release=release, state="waiting", language="sq").count() == 2  # until beat runs
    assert workflow.apply_deadlines() == {release.pk: {"sq": "en"}}
    assert workflow.apply_deadlines() == {}  # once
    wait_until(lambda: len(received(mta, readers, "sq")) == 2)
    english = translation(release, "en").segments[2]["target"]
    for body in received(mta, readers, "sq"):
        assert "Ky buletin nuk është ende i disponueshëm në shqip" in body and "rrjetit: English." in body
        assert english in body
    page.reload()
    screenshot("officer-after-deadline")

    # 6. Every subscriber exactly one message; nobody waits.
    wait_until(lambda: not Delivery.objects.filter(release=release, state__in=["waiting", "pending"]).exists())
    to = Counter(message["To"] for message in newsletters(mta))
    assert to == Counter(list(readers)) and len(to) == len(READERS)  # each reader once, nobody else
    for address, body in ((m["To"], m.get_body(("plain",)).get_content()) for m in newsletters(mta)):
        if readers[address] != "sq":
            assert "rrjetit" not in body and "not yet available" not in body and "još nije dostupan" not in body

    # 7. A second release repeating half of the sentences: memory drafts and fuzzy suggestions.
    page.goto(f"{base}/office/releases/new/")
    page.fill("#id_title", SECOND_TITLE)
    page.fill("#id_body", "\n\n".join(SECOND))
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#deadline-form")
    second = Release.objects.get(title=SECOND_TITLE)
    marija = log_in(browser, base, "marija", "hr")
    open_editor(marija, base, second.pk, "hr")
    assert "Prijedlog" in marija.locator("body").text_content()  # "Suggestion", in Croatian
    kinds = [(segment.get("draft") or {}).get("kind") for segment in translation(second, "hr").segments]
    assert kinds == [None, "fuzzy", "memory", "memory", "fuzzy"]
    for number in (3, 4):  # word for word: the approved Croatian, from the memory
        row = marija.locator(f"#segment-{number}")
        assert row.get_attribute("data-state") == "draft"
        assert row.locator(TARGET).input_value() == HR[number - 1]
        assert "prijevodna memorija" in row.locator(".suggestion").text_content()
        assert row.get_attribute("data-flagged") == "0"  # approved words for this very sentence ("iz Varne")
    for number, earlier in ((2, HR[1]), (5, HR[4])):  # changed: a similar sentence, with its score
        row = marija.locator(f"#segment-{number}")
        assert row.get_attribute("data-state") == "draft"
        suggestion = row.locator(".suggestion").text_content()
        assert "slična ranije prevedena rečenica" in suggestion and " %" in suggestion
        assert earlier in row.locator(".fuzzy").text_content()
        score = float(row.locator(".fuzzy").text_content().split("(", 1)[1].split("%")[0].replace(",", "."))
        assert 0 < score < 100
        assert row.locator(".fuzzy ins").count() >= 1  # the words that differ, highlighted
    assert marija.locator("#segment-1").get_attribute("data-state") == "empty"  # a new title
    marija.locator("#segment-2 [data-role=target]").click()
    screenshot_of(marija, "second-release-hr")
    marija.context.close()

