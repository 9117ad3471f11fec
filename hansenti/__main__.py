"""``python -m hansenti`` runs the command line."""

from .cli import main

main()
