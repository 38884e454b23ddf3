"""Self-reports (申报), their review (审核), the public notice (公示) with objections (异议), the
committee's deductions (扣分) and bulk awards, and posting what stood the notice to the ledger."""
