"""Rasa 3.6 graph components of the NLU pipeline (Python 3.10, Rasa environment only)."""
