"""Run the lamm-data command line: ``python -m lamm_data``."""

from lamm_data.cli import main

main()
