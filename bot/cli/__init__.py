"""The `threadline` command line."""
