"""`python -m api.cli`: the `rag` command."""

from api.cli.main import main

main()
