"""Submissions: storing them in one transaction, their rows, and reading them back."""
