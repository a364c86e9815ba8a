"""Customer value: lifetime value (BG/NBD + Gamma-Gamma), churn risk, clusters, recommendations,
and honest intervals for differences of proportions. Each model is a small module of its own; the
nightly job (`jobs/recompute.py`) runs them through `bot.crm.value.nightly`."""
