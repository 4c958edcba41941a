"""Read models folded from ledger facts (never from the bus): pure, no I/O.

``projections.base`` holds what they share, ``projections.catalog`` lists them all, and
``adapters.views`` keeps one current (``catch_up(ledger, tracking, Checklist)`` resumes at its tracked position).
"""
