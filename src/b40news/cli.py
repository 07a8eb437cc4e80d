"""The ``b40news`` command: Django's management commands and the project's own.

``b40news translate-release 3`` is ``manage.py translate_release 3``: hyphens in
a command's name are accepted for underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b40news.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "b40news"
    from django.core.management import execute_from_command_line

    from b40news.environment import ConfigurationError

    try:
        execute_from_command_line(argv)
    except ConfigurationError as exc:  # a setting that cannot work: say which, no traceback
        sys.stderr.write(f"b40news: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
