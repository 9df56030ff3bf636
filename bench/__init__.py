"""Benchmarks of the SMS-Get integration: scripts/bench runs them (python -m bench).

Every figure is measured against a floor taken in the same run, so the ratios hold
from one machine to the next; see bench/__main__.py for the list.
"""
