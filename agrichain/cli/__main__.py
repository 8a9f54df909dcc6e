"""``python -m agrichain.cli``."""

from agrichain.cli.commands import main

main()
