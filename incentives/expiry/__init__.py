"""Yearly expiry of spendable points, where a village has chosen it."""
