"""``python -m anagen`` runs the command line, the same as the ``anagen`` script."""

from anagen.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
