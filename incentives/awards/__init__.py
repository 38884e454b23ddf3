"""Awards: points granted under a rule version, with their cap applied, posted to the ledger.
Claims, events, campaigns and bulk awards all end here, so every point is traceable."""
