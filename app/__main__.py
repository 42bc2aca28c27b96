"""Allow `python -m app`."""

from app.launch import main

raise SystemExit(main())
