"""A city without a logo gets its name alone: no image, no broken link."""

from __future__ import annotations

from dataclasses import replace

from .samples import LOGO, newsletter


def test_without_a_logo_there_is_no_image(renderer):
    plain = newsletter("mk")
    plain = replace(plain, city=replace(plain.city, logo_url=""))
    rendered = renderer.render(plain)
    assert rendered.errors == ()
    assert "<img" not in rendered.html
    assert plain.city.name in rendered.html


def test_with_a_logo_the_image_has_the_city_name_as_alt(renderer):
    rendered = renderer.render(newsletter("mk"))
    assert rendered.errors == ()
    assert f'src="{LOGO}"' in rendered.html
    assert f'alt="{newsletter("mk").city.name}"' in rendered.html
