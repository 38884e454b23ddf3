"""Supermarket management pages: goods, donations, stock-takes, donors, monthly reconciliation."""
