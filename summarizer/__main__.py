"""Allow `python -m summarizer`."""

from summarizer.face.cli import main

raise SystemExit(main())
