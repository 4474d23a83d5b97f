"""The `baobab` command and its subcommands."""
