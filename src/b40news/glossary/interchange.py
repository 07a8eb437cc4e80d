"""Glossary exchange with other tools, in one import: TBX, CSV, and merging
what comes back as proposals. The formats live in ``tbx.py`` and ``csv_io.py``;
the rules for bringing entries in, in ``merge.py``.
"""

from b40news.glossary.csv_io import export_csv, import_csv
from b40news.glossary.merge import merge_proposals
from b40news.glossary.tbx import export_tbx, import_tbx

__all__ = ["export_csv", "export_tbx", "import_csv", "import_tbx", "merge_proposals"]
