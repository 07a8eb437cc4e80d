"""Issue #12's scenario through the command line only: reviewers per language, a
human Croatian, sibling drafts corrected, Serbian Cyrillic by script, the
Albanian deadline passing (Celery beat's task, run directly) and a second
release drafted from the memory. Subscribers get exactly one message each, from
the test SMTP server; set-up (people, subscribers) is the only part not done by
a command."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import override_settings
from translate.storage import xliff

from b40news.delivery.models import Delivery
from b40news.releases.models import Release
from b40news.network.sample import load_sample
from tests.web.test_office_fixtures import add_subscribers, make_user

pytestmark = pytest.mark.django_db(transaction=True)  # send tasks are enqueued on commit

TITLE = "Среща на кметовете в Загреб"
BODY = ["Кметът на Загреб откри срещата в петък.", "Общината покани гости от Варна и Бургас.",
        "Срещата продължи цял ден.", "Следващата среща ще бъде в Скопие."]
HR = ["Sastanak gradonačelnika u Zagrebu", "Gradonačelnik Zagreba otvorio je sastanak u petak.",
      "Općina je pozvala goste iz Varne i Burgasa.", "Sastanak je trajao cijeli dan.",
      "Sljedeći sastanak bit će u Skoplju."]
EN = ["Mayors meet in Zagreb", "The Mayor of Zagreb opened the meeting on Friday.",
      "The municipality invited guests from Varna and Burgas.", "The meeting lasted all day.",
      "The next meeting will be in Skopje."]
SR = ["Sastanak gradonačelnika u Zagrebu", "Gradonačelnik Zagreba otvorio je sastanak u petak.",
      "Opština je pozvala goste iz Varne i Burgasa.", "Sastanak je trajao ceo dan.",
      "Sledeći sastanak biće u Skoplju."]
# The second release: half of the first's sentences again word for word, the others changed a little.
SECOND = ["Кметът на Загреб откри срещата в събота.", "Общината покани гости от Варна и Бургас.",
          "Срещата продължи цял ден.", "Следващата среща ще бъде в Охрид."]
LISTS = {"stara-zagora-news": ["en", "sq", "sq"], "zagreb-news": ["hr", "bs", "cnr", "sr-Latn", "sr-Cyrl", "sq"]}


def run(command, *args) -> str:
    """``b40news COMMAND ARGS…`` in-process (hyphens in the name, as `b40news.cli` accepts them)."""
    out = io.StringIO()
    call_command(command.replace("-", "_"), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def status(release_id) -> dict:
    return json.loads(run("status", str(release_id), "--json"))


def submit(tmp_path, title, body, *options) -> int:
    path = tmp_path / f"release-{len(list(tmp_path.iterdir()))}.txt"
    path.write_text(title + "\n" + "\n\n".join(body), encoding="utf-8")
    return int(run("submit", str(path), "--city", "stara-zagora", *options).strip())


def translate_in_a_tool(release_id, code: str, targets: list[str], tmp_path) -> str:
    """XLIFF out, a translator's targets in, XLIFF back in."""
    path = tmp_path / f"{release_id}-{code}.xlf"
    run("xliff", "export", str(release_id), "--language", code, str(path))
    store = xliff.xlifffile.parsestring(path.read_bytes())
    assert len(store.units) == len(targets)
    for unit, target in zip(store.units, targets):
        unit.settarget(target, lang=code)
        unit.xmlelement.find(unit.namespaced("target")).set("state", "translated")
    path.write_bytes(bytes(store))
    return run("xliff", "import", str(release_id), str(path))


@pytest.fixture
def people():
    load_sample(0)
    for name in ("ana", "marija", "amra", "vesna", "tome", "dragan", "john"):
        make_user(name, city="stara-zagora" if name == "ana" else None)
    for slug, codes in LISTS.items():
        add_subscribers(slug, codes)


def test_the_scenario_through_the_cli(people, mta, tmp_path):
    with override_settings(SMTP_URL=mta.url):
        release_id = submit(tmp_path, TITLE, BODY, "--lists", *LISTS, "--deadline", "2099-01-01T09:00+01:00")
        plan = json.loads(run("fallback", str(release_id), "--plan", "sq=en", "--plan", "bs=hr",
                              "--plan", "cnr=sr-Latn", "--json"))
        assert plan["planned_fallbacks"] == {"sq": "en", "bs": "hr", "cnr": "sr-Latn"} and plan["fallbacks"] == {}
        for user, code, *role in (("marija", "hr"), ("amra", "bs"), ("vesna", "cnr"), ("dragan", "sr-Latn"),
                                  ("dragan", "sr-Cyrl"), ("tome", "sr-Latn", "--role", "translator"),
                                  ("john", "en")):
            run("reviewers", "add", user, "--language", code, *role)
        run("translate-release", str(release_id), "--to", "hr,bs,cnr,sr-Latn,sr-Cyrl,sq,en")

        # Croatian: a person's translation (through a CAT tool), approved by the Croatian reviewer.
        assert "5 segment(s) stored" in translate_in_a_tool(release_id, "hr", HR, tmp_path)
        run("approve", str(release_id), "--language", "hr", "--as", "marija", "--force")
        info = status(release_id)["languages"]
        assert info["hr"]["status"] == "approved" and info["hr"]["approved_by"] == "marija"
        assert [p["user"] for p in info["hr"]["reviewers"]] == ["marija"]
        # Bosnian and Montenegrin start from the reviewed Croatian.
        for code in ("bs", "cnr"):
            assert (info[code]["segments"], info[code]["reviewed"]) == (5, 0)
            assert info[code]["prefilled"]["sibling"] == 5, info[code]
            assert info[code]["planned_fallback"] in ("hr", "sr-Latn") and info[code]["deadline"].startswith("2099")
        assert info["sq"]["prefilled"] == {"memory": 0, "fuzzy": 0, "sibling": 0, "script": 0, "machine": 0}
        assert info["sq"]["planned_fallback"] == "en" and info["sq"]["fallback"] is None
        run("segment", "edit", str(release_id), "--language", "bs", "--index", "4", "--as", "amra",
            "Sljedeći sastanak bit će u Skoplju, u proljeće.")
        run("segment", "edit", str(release_id), "--language", "cnr", "--index", "4", "--as", "vesna",
            "Sljedeći sastanak biće u Skoplju.")
        run("approve", str(release_id), "--language", "bs", "--as", "amra", "--force")
        run("approve", str(release_id), "--language", "cnr", "--as", "vesna", "--force")

        # Serbian Latin typed by a translator, approved by its reviewer: Cyrillic follows by script.
        for index, text in enumerate(SR):
            run("segment", "edit", str(release_id), "--language", "sr-Latn", "--index", str(index), "--as", "tome",
                text)
        run("approve", str(release_id), "--language", "sr-Latn", "--as", "dragan")
        cyrl = status(release_id)["languages"]["sr-Cyrl"]
        assert cyrl["prefilled"]["script"] == 5 and cyrl["flagged"] == 0, cyrl

        translate_in_a_tool(release_id, "en", EN, tmp_path)
        run("approve", str(release_id), "--language", "en", "--as", "john", "--force")

        run("send", str(release_id))
        waiting = Counter(Delivery.objects.filter(release_id=release_id, state="waiting")
                          .values_list("language", flat=True))
        assert waiting == {"sq": 3, "sr-Cyrl": 1}
        # A language approved after the send goes at once: nobody presses Send again.
        run("approve", str(release_id), "--language", "sr-Cyrl", "--as", "dragan")
        assert Counter(Delivery.objects.filter(release_id=release_id, state="waiting")
                       .values_list("language", flat=True)) == {"sq": 3}

        # The Albanian deadline passes: Celery beat's task gives its subscribers English.
        from worker.tasks import apply_deadlines

        run("fallback", str(release_id), "--deadline", "2020-01-01T00:00+00:00")
        assert Delivery.objects.filter(release_id=release_id, state="waiting").count() == 3  # until beat runs
        assert apply_deadlines() == {str(release_id): {"sq": "en"}}  # bs and cnr were approved in time
        assert apply_deadlines() == {}  # once
        final = status(release_id)
        assert final["status"] == "sent" and final["fallbacks"] == {"sq": "en"}
        assert final["languages"]["sq"]["fallback"] == "en"

    messages = mta.messages()
    subscribers = sum(len(codes) for codes in LISTS.values())
    assert len(messages) == subscribers and len({m["To"] for m in messages}) == subscribers  # one each
    by_address = {m["To"]: m.get_body(("plain",)).get_content() for m in messages}
    albanian = [body for address, body in by_address.items() if ".sq." in address]
    assert len(albanian) == 3
    for body in albanian:
        assert "Ky buletin nuk është ende i disponueshëm në shqip" in body and "rrjetit: English." in body
        assert "The municipality invited guests from Varna and Burgas." in body
    for address, body in by_address.items():
        if ".sq." not in address:
            assert "rrjetit" not in body and "not yet available" not in body and "još nije dostupan" not in body
    assert "Sljedeći sastanak bit će u Skoplju, u proljeće." in next(
        body for address, body in by_address.items() if ".bs." in address)
    assert "Следећи састанак биће у Скопљу." in next(
        body for address, body in by_address.items() if ".sr-Cyrl." in address)

    # A second release repeating half of the first's sentences starts from the memory.
    second = submit(tmp_path, "Нова среща в Загреб", SECOND, "--lists", "zagreb-news")
    run("translate-release", str(second), "--to", "hr")
    hr = status(second)["languages"]["hr"]
    assert (hr["segments"], hr["reviewed"]) == (5, 0)
    assert hr["prefilled"] == {"memory": 2, "fuzzy": 2, "sibling": 0, "script": 0, "machine": 0}
    assert Release.objects.get(pk=second).planned_fallbacks == {}  # the city sets no defaults
