"""The Teams edge: every Bot Framework import in the project lives in this package or app.py."""
