"""Where the repository is: every tool that reads one of the project's files starts here."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
