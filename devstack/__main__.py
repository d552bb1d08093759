"""`python -m devstack`: what `make run` ends with; starts the whole stack in the foreground."""

from devstack.supervisor import main

if __name__ == "__main__":
    raise SystemExit(main())
