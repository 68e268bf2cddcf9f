"""Honest metrics: documented definitions (docs/metrics.md), one-to-one matching, bootstrap intervals."""
