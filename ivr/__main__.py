"""``python -m ivr`` runs the ``hotline`` CLI."""

from ivr.cli import main

main()
