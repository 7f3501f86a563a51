"""In-process triggers (APScheduler 3.11) that call the panel's idempotent sweeps."""
