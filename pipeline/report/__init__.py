"""Reports: the QualityReport model and its renderings (JSON now; HTML and Markdown next)."""
