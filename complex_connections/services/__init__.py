"""Complex connections (*raccordements complexes*): detection rules (`rules`), cost estimate with the
2025 aid tiers (`costs`), priority score (`priority`), set-based detection over a whole network
(`detect`), workflow and follow-up (`workflow`, `attachments`), totals and exports (`export`)."""
