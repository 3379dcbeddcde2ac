"""Real tasks with data that installs from Debian (docs/python.md §Tasks)."""
