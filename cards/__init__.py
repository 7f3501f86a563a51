"""Adaptive Cards (schema 1.5, `Action.Execute`) as pure functions from view data to dicts.

No bot SDK imports: the Teams edge sends what these return. User text goes into `TextRun`s,
which renderers show literally (no markdown, links or mentions; docs/safeguards.md §8).
"""
