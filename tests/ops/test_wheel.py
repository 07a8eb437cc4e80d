"""A wheel built from the repository runs without the checkout: the e-mail
templates and their strings, the seed glossary and the message catalogues are
package data, and the settings find them in the installed package.

The wheel is built from a copy of the files git would commit (so the build
writes nothing into the checkout), installed with ``pip install --target`` into
a folder of its own, and run from a folder outside the checkout with only that
folder and the virtual environment's site-packages on the path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.ops.processes import REPO, clean_env

pytestmark = pytest.mark.slow

# What the installed package is asked to do, in a process of its own.
CHECK = r"""
import json, os, sys
import django
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "b40news.settings"
django.setup()
from django.conf import settings
from django.utils import translation

import b40news, worker
from b40news.glossary.models import GlossaryEntry
from b40news.newsletter.render import CityBrand, Newsletter, Renderer

rendered = Renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render(Newsletter(
    language="mk", city=CityBrand("stara-zagora", "Стара Загора", "#0a7d3b", ""),
    list_name="B40 · Стара Загора", title="Наслов", paragraphs=("Прв пасус.", "Втор пасус."),
    original_url="https://b40.example.org/r/1/bg/", archive_url="https://b40.example.org/r/1/mk/",
    machine_translated=True))
with translation.override("bg"):
    translated = translation.gettext("%(name)s is too large")
print(json.dumps({
    "modules": sorted({str(Path(m.__file__).resolve()) for m in list(sys.modules.values())
                       if getattr(m, "__file__", None)}),
    "package": str(Path(b40news.__file__).resolve()),
    "worker": str(Path(worker.__file__).resolve()),
    "paths": {name: str(Path(getattr(settings, name)).resolve())
              for name in ("EMAIL_TEMPLATES_DIR", "GLOSSARY_DIR", "DATA_DIR", "STATIC_ROOT")},
    "locale_paths": [str(Path(p).resolve()) for p in getattr(settings, "LOCALE_PATHS", [])],
    "template_dirs": [str(Path(d).resolve()) for t in settings.TEMPLATES for d in t.get("DIRS", [])],
    "glossary_entries": GlossaryEntry.objects.count(),
    "rendered_ok": rendered.ok, "errors": list(rendered.errors),
    "html": rendered.html, "text": rendered.text,
    "translated": translated,
}))
"""


def committable_files() -> list[str]:
    """The files a commit of this checkout would hold: tracked and new, not ignored, not deleted."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return [name for name in listed if name and (REPO / name).is_file()]


def within(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in committable_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--wheel-dir", str(dist), str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = dist.glob("b40news-*.whl")
    return wheel


def test_the_wheel_holds_every_file_of_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    package_files = [name.removeprefix("src/") for name in committable_files()
                     if name.startswith(("src/b40news/", "worker/")) and not name.endswith(".pyc")]
    assert any(name.startswith("b40news/email_templates/email/") for name in package_files)
    missing = sorted(set(package_files) - names)
    assert not missing, f"the wheel lacks {missing}"


def test_the_installed_wheel_renders_mail_and_seeds_the_glossary_without_the_checkout(wheel, tmp_path):
    target, data, elsewhere = tmp_path / "site", tmp_path / "data", tmp_path / "elsewhere"
    elsewhere.mkdir()
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target",
                                str(target), str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert (target / "b40news" / "email_templates" / "email" / "newsletter.mjml.j2").exists()
    # The installed package and the virtual environment's libraries, never the checkout's src/.
    env = clean_env(data, PYTHONPATH=str(target), B40NEWS_DEBUG="false", SECRET_KEY="wheel-" + "k" * 50)
    env["PATH"] = env["PATH"].replace(str(REPO), "/nonexistent")

    # The console script the wheel installs, as an installation runs it: migrate seeds the glossary.
    migrated = subprocess.run([str(target / "bin" / "b40news"), "migrate", "--noinput"], env=env, cwd=elsewhere,
                              capture_output=True, text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    checked = subprocess.run([sys.executable, "-c", CHECK], env=env, cwd=elsewhere, capture_output=True, text=True,
                             timeout=300)
    assert checked.returncode == 0, checked.stderr[-3000:]
    report = json.loads(checked.stdout.strip().splitlines()[-1])

    assert within(report["package"], target) and within(report["worker"], target)
    for name in ("EMAIL_TEMPLATES_DIR", "GLOSSARY_DIR"):
        assert within(report["paths"][name], target / "b40news"), (name, report["paths"][name])
    assert within(report["paths"]["DATA_DIR"], data) and within(report["paths"]["STATIC_ROOT"], data)
    # Nothing the process loaded or points at is in the checkout (nor in the editable install's source).
    pointing = [*report["modules"], *report["paths"].values(), *report["locale_paths"], *report["template_dirs"]]
    # The virtual environment may live in the checkout (`.venv`): its libraries are not the checkout's code.
    venv = Path(sys.prefix)
    into_checkout = [path for path in pointing
                     if (within(path, REPO) and not within(path, venv)) or "/src/b40news/" in path]
    assert not into_checkout, into_checkout

    assert report["rendered_ok"], report["errors"]
    assert "Прв пасус." in report["html"] and "Прв пасус." in report["text"]
    assert "<mj-" not in report["html"] and "<table" in report["html"]  # MJML became e-mail HTML
    assert report["glossary_entries"] > 0
    assert report["translated"] != "%(name)s is too large"  # the Bulgarian catalogue is there
    # The installation wrote only into its data directory.
    assert not list(elsewhere.iterdir())
