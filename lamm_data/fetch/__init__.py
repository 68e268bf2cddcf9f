"""Fetch LAMM files into a LAMM root with verified integrity, and verify a root later.

- :func:`fetch`: meta files from the Hugging Face hub (``huggingface_hub``), archives from a mirror URL
  or a local folder, safe atomic unpacking, media check, manifest ``ROOT/.lamm/manifest.json``.
- :func:`verify_root`: re-hash against the manifest; report missing, changed and extra files.

Library functions return values and report progress through :class:`Progress`; they never print.
"""

from lamm_data.fetch.manifest import MANIFEST, Manifest
from lamm_data.fetch.progress import SILENT, Progress
from lamm_data.fetch.report import FetchReport, Outcome
from lamm_data.fetch.run import fetch
from lamm_data.fetch.verify import VerifyReport, verify_root

__all__ = ["MANIFEST", "SILENT", "FetchReport", "Manifest", "Outcome", "Progress", "VerifyReport", "fetch",
           "verify_root"]
