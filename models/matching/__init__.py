"""Matching invoices against purchase orders and goods receipts: pure rules over plain data."""
