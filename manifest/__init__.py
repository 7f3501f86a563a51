"""The Teams app manifest, its icons, and the command that zips them into the app package."""
