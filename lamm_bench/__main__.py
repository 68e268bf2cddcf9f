"""Run the lamm-bench command line: ``python -m lamm_bench``."""

from lamm_bench.cli import main

main()
