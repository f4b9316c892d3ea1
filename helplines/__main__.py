"""Run the helpline command line: ``python -m helplines``."""

from helplines.cli import main

if __name__ == "__main__":
    main()
