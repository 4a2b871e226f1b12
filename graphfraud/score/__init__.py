"""Scoring of candidate rings, and ring identity across runs."""
