"""The Pulumi program entry point: the stack itself is declared in seed_walkthrough.py."""

from seed_walkthrough import seed_walkthrough

seed_walkthrough()
