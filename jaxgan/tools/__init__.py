"""Command-line tools, each run as `python -m jaxgan.tools.NAME`."""
