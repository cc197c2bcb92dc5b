"""Operator tools built on the program itself: diagram, DLQ redrive, cost estimate."""
