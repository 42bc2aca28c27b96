"""The frozen bundle's entry point: the same `main` as the installed `orchard` script."""

from app.cli import main

raise SystemExit(main())
