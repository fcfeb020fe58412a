"""`python -m kehu.cli ...` runs the `kehu` command."""

from kehu.cli import main

main()
