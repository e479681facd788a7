"""One module per command group, each registering its subcommands with `cli` and running them through `runner`."""
