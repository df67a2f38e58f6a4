"""File formats operators write and read: the directory file and its YAML."""
