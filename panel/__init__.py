"""The panel's rules: pure, synchronous, standard library only (async only in `services`)."""
