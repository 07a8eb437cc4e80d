from __future__ import annotations

import html as html_lib
import re
import shutil
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from b40news import languages
from b40news.newsletter.render import (
    CONFIRM_SLOTS,
    MAX_HTML_BYTES,
    SLOTS,
    Renderer,
    contrast,
    personalise,
    personaliser,
    slot_marker,
)
from b40news.newsletter.linkify import linkify
from b40news.newsletter.strings import load_strings

from .samples import LANGUAGES, RECIPIENT, SITE, TEMPLATES, city, newsletter

MARKER = re.compile(r"%%B40:[a-z_]+%%")


@pytest.fixture(scope="module")
def rendered(renderer):
    return {code: renderer.render(newsletter(code)) for code in LANGUAGES}


def test_samples_cover_every_language_and_script():
    assert set(LANGUAGES) == set(languages.LANGUAGES)
    assert {languages.get(code).script for code in LANGUAGES} == {"Cyrl", "Latn", "Grek"}


@pytest.mark.parametrize("code", LANGUAGES)
def test_renders_every_language_cleanly(rendered, code):
    out = rendered[code]
    lang = languages.get(code)
    assert out.errors == ()
    assert out.language == code
    assert f'<html lang="{code}" dir="{lang.direction}"' in out.html
    assert out.subject == newsletter(code).title
    assert len(out.html.encode("utf-8")) < MAX_HTML_BYTES
    imgs = re.findall(r"<img\b[^>]*>", out.html)
    assert imgs and all(re.search(r'\salt="[^"]+"', tag) for tag in imgs)
    assert "fonts.googleapis" not in out.html and "<link" not in out.html
    assert "@import" not in out.html
    # the only remote resource is the city's own logo
    assert set(re.findall(r'\ssrc="([^"]*)"', out.html)) == {city(code).logo_url}
    title, first, second = (newsletter(code).title, *newsletter(code).paragraphs)
    for part, show in ((out.html, lambda s: str(escape(s))), (out.text, str)):
        for shown in (title, first, second, newsletter(code).city.name,
                      load_strings(TEMPLATES, code)["unsubscribe"]):
            assert show(shown) in part, shown


@pytest.mark.parametrize("code", LANGUAGES)
def test_slots_are_there_once_rendered_and_gone_once_personalised(rendered, code):
    out = rendered[code]
    assert out.slots == SLOTS
    for name in SLOTS:
        assert slot_marker(name) in out.html and slot_marker(name) in out.text
    html, text = personalise(out, RECIPIENT)
    assert not MARKER.search(html) and not MARKER.search(text)
    assert 'href="https://b40.example.org/u/k7Hq2?list=stara-zagora&amp;lang=mk"' in html
    assert RECIPIENT["unsubscribe_url"] in text  # raw in the text part
    assert RECIPIENT["preferences_url"] in text and RECIPIENT["recipient_email"] in text


def test_text_part_carries_the_same_links(rendered):
    out = rendered["el"]
    html, text = personalise(out, RECIPIENT)
    links = set(re.findall(r'href="([^"]+)"', html))
    unescaped = {link.replace("&amp;", "&") for link in links}
    assert unescaped == {
        newsletter("el").archive_url, newsletter("el").original_url,
        RECIPIENT["unsubscribe_url"], RECIPIENT["preferences_url"],
    }
    assert all(link in text for link in unescaped)


def test_personalised_values_are_escaped(rendered):
    hostile = dict(RECIPIENT, recipient_email='x"><script>alert(1)</script>@example.org')
    hostile["unsubscribe_url"] = 'https://b40.example.org/u/"onmouseover="alert(1)'
    html, text = personalise(rendered["en"], hostile)
    assert "<script>" not in html and '"onmouseover="' not in html
    assert "x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.org" in html
    assert 'href="https://b40.example.org/u/&quot;onmouseover=&quot;alert(1)"' in html
    assert hostile["recipient_email"] in text  # the text part is not HTML


def test_personalise_refuses_missing_breaking_or_script_values(rendered):
    out = rendered["en"]
    with pytest.raises(ValueError, match="preferences_url"):
        personalise(out, {k: v for k, v in RECIPIENT.items() if k != "preferences_url"})
    with pytest.raises(ValueError):
        personalise(out, dict(RECIPIENT, recipient_email="a@b.org\r\nBcc: x@y.org"))
    for script in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x"):
        with pytest.raises(ValueError):
            personalise(out, dict(RECIPIENT, unsubscribe_url=script))
    preview, _ = personalise(out, dict(RECIPIENT, unsubscribe_url="#", preferences_url="#"))
    assert 'href="#"' in preview


def test_notice_only_when_machine_translated(renderer):
    strings = load_strings(TEMPLATES, "tr")
    machine = renderer.render(newsletter("tr", machine_translated=True))
    human = renderer.render(newsletter("tr", machine_translated=False))
    assert strings["machine_translated"] in machine.html
    assert strings["machine_translated"] in machine.text
    assert strings["machine_translated"] not in human.html
    assert strings["human_translated"] in human.html
    assert newsletter("tr").original_url in machine.html and newsletter("tr").original_url in machine.text
    original = renderer.render(newsletter("bg"))
    bg = load_strings(TEMPLATES, "bg")
    assert bg["machine_translated"] not in original.html and bg["human_translated"] not in original.html


def test_preheader_is_hidden_without_white_text(renderer):
    out = renderer.render(newsletter("mk", preheader="Кратко: самитот B40 во Загреб"))
    hidden = re.search(r'<div style="display:none;[^"]*"[^>]*>([^<]*)</div>', out.html)
    assert hidden and hidden.group(1) == "Кратко: самитот B40 во Загреб"
    assert "color" not in hidden.group(0)
    assert "#ffffff;line-height:1px" not in out.html  # MJML's white mj-preview
    default = renderer.render(newsletter("mk"))
    assert newsletter("mk").paragraphs[0][:60] in re.search(
        r'<div style="display:none;[^>]*>([^<]*)</div>', default.html).group(1)


def test_content_is_escaped_and_line_breaks_kept(renderer):
    out = renderer.render(newsletter("en", title='Budget <b>2026</b> & "more"',
                                     paragraphs=("One <script>x</script>\nTwo",)))
    assert out.errors == ()
    assert "<script>" not in out.html and "&lt;script&gt;" in out.html
    assert "One &lt;script&gt;x&lt;/script&gt;<br />\nTwo</p>" in out.html
    assert 'Budget <b>2026</b> & "more"' in out.text and out.subject == 'Budget <b>2026</b> & "more"'


def test_brand_colour_keeps_text_readable(renderer):
    light = renderer.render(newsletter("en", city=city("en", colour="#FE0")))
    assert light.errors == ()
    assert "background-color:#ffee00" in light.html
    assert 'color:#1f1f1f;">Stara Zagora<' in light.html  # dark text on yellow
    dark = renderer.render(newsletter("en", city=city("en", colour="#0a7d3b")))
    assert 'color:#ffffff;">Stara Zagora<' in dark.html
    assert contrast("#ffffff", "#0a7d3b") >= 4.5 and contrast("#1f1f1f", "#ffee00") >= 4.5


def test_problems_are_reported_not_raised(renderer):
    out = renderer.render(newsletter(
        "en", city=city("en", colour="green"), title=" ", archive_url="javascript:alert(1)",
        paragraphs=("Forged %%B40:unsubscribe_url%% marker",)))
    joined = "\n".join(out.errors)
    assert "colour" in joined and "title" in joined and "archive_url" in joined
    assert "reserved sequence" in joined
    assert "%%B40:unsubscribe_url%% marker" not in out.html  # the forged marker is broken
    assert renderer.render(replace(newsletter("en"), language="xx")).errors == ("unknown language 'xx'",)
    ftp_logo = replace(city("en"), logo_url="ftp://b40.example.org/logo.png")
    assert renderer.render(newsletter("en", city=ftp_logo)).errors == (
        "logo_url is not an http(s) URL: 'ftp://b40.example.org/logo.png'",)
    dev_logo = replace(city("en"), logo_url="http://localhost:8000/static/logo.png")
    assert renderer.render(newsletter("en", city=dev_logo)).errors == ()


def test_broken_mjml_is_reported(tmp_path):
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    template = tmp_path / "email" / "newsletter.mjml.j2"
    # mrml shrugs at unknown or mismatched tags; an unclosed document it refuses.
    template.write_text(
        template.read_text(encoding="utf-8").replace("</mj-column>", "", 1), encoding="utf-8"
    )
    (tmp_path / "email" / "_layout.mjml.j2").write_text(
        (tmp_path / "email" / "_layout.mjml.j2").read_text(encoding="utf-8").replace("</mjml>", ""),
        encoding="utf-8",
    )
    out = Renderer(tmp_path).render(newsletter("sq"))
    assert out.html == ""
    assert any(error.startswith("mjml:") for error in out.errors), out.errors
    assert "Stara Zagora" in out.text  # the text part still renders


def test_broken_jinja_and_a_missing_unsubscribe_link_are_reported(tmp_path):
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "email" / "newsletter.txt.j2").write_text("{{ title }\n", encoding="utf-8")
    mjml = tmp_path / "email" / "newsletter.mjml.j2"
    mjml.write_text(mjml.read_text(encoding="utf-8").replace(
        "{{ slots.unsubscribe_url }}", "https://example.org/"), encoding="utf-8")
    out = Renderer(tmp_path).render(newsletter("ro"))
    assert any("newsletter.txt.j2" in error for error in out.errors), out.errors
    assert "html part lacks the unsubscribe_url slot" in out.errors


def test_oversized_html_is_reported(renderer):
    out = renderer.render(newsletter("en", paragraphs=("word " * 25_000,)))
    assert any("Gmail clips" in error for error in out.errors)


@pytest.mark.parametrize("code", LANGUAGES)
def test_confirmation_in_every_language(renderer, code):
    out = renderer.render_confirmation(code, f"B40 · {city(code).name}", city(code))
    strings = load_strings(TEMPLATES, code)
    assert out.errors == ()
    assert out.slots == CONFIRM_SLOTS
    assert f'<html lang="{code}"' in out.html
    assert out.subject == strings["confirm_subject"].format(list=f"B40 · {city(code).name}")
    confirm = f"{SITE}/confirm/Zm9v?l=1&x=2"
    html, text = personalise(out, {"confirm_url": confirm, "recipient_email": "ana@example.org"})
    assert html.count('href="https://b40.example.org/confirm/Zm9v?l=1&amp;x=2"') == 2
    assert confirm in text and "ana@example.org" in text and "ana@example.org" in html
    assert strings["confirm_button"] in html and strings["confirm_button"] in text
    assert not MARKER.search(html + text)


# -- URLs and e-mail addresses become links in the HTML part (escape first, then link) ------

LINKED = (
    "Програмата: https://www.b40.org/summit?day=1&lang=bg (PDF), също на www.stz.bg/b40.\n"
    "Пишете на press@stara-zagora.bg или вижте stz.bg."
)


def anchors(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]+)" style="[^"]*">([^<]*)</a>', html)


@pytest.mark.parametrize("code", LANGUAGES)
def test_links_in_the_release_become_links_in_every_language(renderer, code):
    out = renderer.render(newsletter(code, paragraphs=(LINKED, newsletter(code).paragraphs[0])))
    assert out.errors == ()  # the MJML is intact
    found = anchors(out.html)
    for link in (
        ("https://www.b40.org/summit?day=1&amp;lang=bg", "https://www.b40.org/summit?day=1&amp;lang=bg"),
        ("https://www.stz.bg/b40", "www.stz.bg/b40"),  # the sentence's full stop stays outside
        ("mailto:press@stara-zagora.bg", "press@stara-zagora.bg"),
        ("https://stz.bg", "stz.bg"),
    ):
        assert link in found, link
    assert "(PDF), също на" in out.html and "<br />\nПишете" in out.html
    assert LINKED in out.text and "<a " not in out.text  # the text part as it was
    html, text = personalise(out, RECIPIENT)
    assert not MARKER.search(html + text)


def test_linking_never_lets_markup_through(renderer):
    hostile = ('See https://x.bg/a"onmouseover="alert(1) and <a href="javascript:alert(1)">me</a>, '
               "javascript:alert(2), <b>www.x.bg/<i></b> and x@y.bg<script>alert(3)</script>")
    out = renderer.render(newsletter("en", paragraphs=(hostile,)))
    assert out.errors == ()
    assert "<script>" not in out.html and "<b>" not in out.html and "javascript:alert(1)\">" not in out.html
    assert '"onmouseover' not in out.html and "href=\"javascript" not in out.html
    assert [a for a in anchors(out.html) if not a[0].startswith((SITE, "%%"))] == [
        ("https://x.bg/a", "https://x.bg/a"),  # a URL ends at a quote
        ("https://www.x.bg/", "www.x.bg/"),  # and at a tag
        ("mailto:x@y.bg", "x@y.bg"),
    ]
    assert "&lt;a href=&#34;javascript:alert(1)&#34;&gt;me&lt;/a&gt;" in out.html
    assert hostile in out.text


def test_a_forged_slot_marker_inside_a_url_stays_broken(renderer):
    out = renderer.render(newsletter("en", paragraphs=("Go to https://x.bg/%%B40:unsubscribe_url%%/ now",)))
    assert "reserved sequence" in "\n".join(out.errors)
    html, _ = personalise(out, RECIPIENT)
    assert RECIPIENT["unsubscribe_url"].replace("&", "&amp;") not in html.split("Go to")[1].split("</p>")[0]


_PIECES = st.sampled_from(list("ab .,:;@/-_?&=#%<>\"'()\n\r\u2028") + ["https://", "www.", ".bg", "x@y.bg"])


@settings(database=None)  # no .hypothesis/ folder in the checkout
@given(st.lists(_PIECES | st.characters(), max_size=30).map("".join))
def test_linkify_adds_only_links_and_keeps_every_character(text):
    out = str(linkify(text, style="color:#1f4e99;"))
    for tag in re.findall(r"<[^>]*>", out):
        assert re.fullmatch(r'<a href="(?:https?://|mailto:)[^"<>]*" style="color:#1f4e99;">|</a>|<br>', tag), tag
    assert html_lib.unescape(re.sub(r"<[^>]*>", "", out)) == "\n".join(text.splitlines())


@pytest.mark.parametrize("code", LANGUAGES)
def test_personaliser_gives_what_personalise_gives(rendered, code):
    """The send path fills the shared slots once and the recipient's per message:
    the same text, split at the first per-recipient slot, its start one object."""
    out = rendered[code]
    notice = {"fallback_notice": "This newsletter is not yet in your language."}
    fill = personaliser(out, notice)
    own = {name: value for name, value in RECIPIENT.items() if name != "fallback_notice"}
    (html, text), (again, _) = fill(own), fill(dict(own, recipient_email="other@example.org"))
    assert (str(html), str(text)) == personalise(out, {**own, **notice})
    assert again.start is html.start and RECIPIENT["recipient_email"] not in html.start
    assert len(html.rest) < len(html.start) and len(text.rest) < len(text.start)  # the footer's links only
    with pytest.raises(ValueError, match="preferences_url"):
        fill({k: v for k, v in own.items() if k != "preferences_url"})
    with pytest.raises(ValueError):
        fill(dict(own, unsubscribe_url="javascript:alert(1)"))
