#!/usr/bin/env python
from servicedesk.cli import main

if __name__ == "__main__":
    main()
