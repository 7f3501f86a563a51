"""The use cases, one module per workflow a person would name; `common` is what they share.

Each use case is one unit of work: load, apply the rules (in the modules of `panel/`), commit
with the messages it causes and its audit row."""
