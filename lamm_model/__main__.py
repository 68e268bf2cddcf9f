"""Run the lamm-model command line: ``python -m lamm_model``."""

from lamm_model.cli import main

main()
