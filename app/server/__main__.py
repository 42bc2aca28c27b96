"""Allow `python -m app.server`."""

from app.server.entry import main

raise SystemExit(main())
