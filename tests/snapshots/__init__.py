"""Snapshots of computed statements, and the code that takes and compares them (test_statements_unchanged.py)."""
