"""Moral appraisal (道德评议): a village committee scores households on published criteria."""
