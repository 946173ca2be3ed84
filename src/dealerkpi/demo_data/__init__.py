"""Realistic demo data for a dealer group at three scales (S, M, L); see docs/data.md."""
