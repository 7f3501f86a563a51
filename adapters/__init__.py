"""Adapters from the outside world to the pure rules: bank holidays, policy files, the clock."""
