"""The field-week bench (bench/entities_field_week.py) at a small size, on the test's database:
shuffled and resent offline follow-ups end exactly as when they arrive in order, with no false
conflict and nothing left held; a backlog is released and forced completely. Its times are
printed by the bench, never asserted here."""

from __future__ import annotations

from bench.entities_field_week import field_week


def test_a_small_field_week_ends_as_in_order_without_false_conflicts(db_url, tmp_path):
    figures = field_week(db_url, tmp_path, tablets=4, returnees=24, visits=3, backlog=16)
    assert figures.submissions == 24 * 3 + int(24 * 3 * 0.05)
    assert figures.same_as_in_order == figures.entities == 24
    assert figures.false_conflicts == 0
    assert figures.held_left == 0
