"""Coding (kontering): proposing GL account, VAT code, department and project for each line."""
