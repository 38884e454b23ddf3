"""QR-coded credits (积分券): issuing from a budget, printing, revoking and claiming by phone."""
