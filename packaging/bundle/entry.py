"""The frozen bundle's entry point: the same `main` as the installed `orchard` script."""

from app.launch import main

raise SystemExit(main())
