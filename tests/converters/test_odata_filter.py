"""OData $filter parsing: operators and precedence, functions, every literal kind, Central's
documented examples, and malformed input that fails with a code and a position."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from converters.errors import ConversionCode, ConversionError
from converters.odata_filter import (
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Call,
    Comparison,
    Function,
    Literal,
    Not,
    Operator,
    Or,
    Property,
    parse_filter,
    properties,
)

A, B, C, D = (Property((name,)) for name in "abcd")
SUBMISSION_DATE = Property(("__system", "submissionDate"))
REVIEW_STATE = Property(("__system", "reviewState"))


def eq(left, right):
    return Comparison(Operator.EQ, left, right)


def literal_in(text):
    """The right-hand literal of ``a eq <text>``."""
    expression = parse_filter(f"a eq {text}")
    assert isinstance(expression, Comparison)
    assert isinstance(expression.right, Literal)
    return expression.right.value


def invalid(text):
    with pytest.raises(ConversionError) as caught:
        parse_filter(text)
    error = caught.value
    assert error.code is ConversionCode.ODATA_FILTER_INVALID
    assert f"at position {error.context['position']}" in error.message
    return error


# --- Central's documented examples -------------------------------------------------------------


def test_submission_date_and_review_state_example():
    expression = parse_filter(
        "__system/submissionDate gt 2026-03-01T00:00:00.000Z and __system/reviewState eq 'approved'"
    )
    assert expression == And(
        Comparison(Operator.GT, SUBMISSION_DATE, Literal(datetime(2026, 3, 1, tzinfo=UTC))),
        eq(REVIEW_STATE, Literal("approved")),
    )


def test_year_of_submission_date_example():
    assert parse_filter("year(__system/submissionDate) eq 2026") == eq(
        Call(Function.YEAR, (SUBMISSION_DATE,)), Literal(2026)
    )


def test_review_state_eq_null_example():
    assert parse_filter("__system/reviewState eq null") == eq(REVIEW_STATE, Literal(None))


# --- Operators and precedence -------------------------------------------------------------------


@pytest.mark.parametrize("op", list(Operator))
def test_each_comparison_operator(op):
    assert parse_filter(f"a {op} 1") == Comparison(op, A, Literal(1))


def test_operators_compare_equal_to_their_spelling():
    assert parse_filter("a le 1").op == "le"


def test_and_binds_tighter_than_or():
    assert parse_filter("a eq 1 or b eq 2 and c eq 3") == Or(
        eq(A, Literal(1)), And(eq(B, Literal(2)), eq(C, Literal(3)))
    )
    assert parse_filter("a eq 1 and b eq 2 or c eq 3") == Or(
        And(eq(A, Literal(1)), eq(B, Literal(2))), eq(C, Literal(3))
    )


def test_and_and_or_group_from_the_left():
    assert parse_filter("a and b and c") == And(And(A, B), C)
    assert parse_filter("a or b or c") == Or(Or(A, B), C)


def test_parentheses_override_precedence():
    assert parse_filter("(a eq 1 or b eq 2) and c eq 3") == And(
        Or(eq(A, Literal(1)), eq(B, Literal(2))), eq(C, Literal(3))
    )


def test_redundant_parentheses_leave_no_trace():
    assert parse_filter("((a eq 1))") == eq(A, Literal(1))


def test_not_applies_to_a_parenthesised_comparison():
    assert parse_filter("not (a eq 1)") == Not(eq(A, Literal(1)))
    assert parse_filter("not(a eq 1)") == Not(eq(A, Literal(1)))


def test_not_takes_a_whole_comparison_as_central_reads_it():
    # ODK Central's parser reads `not a eq b` as not (a eq b); filters are written that way.
    assert parse_filter("not a eq b") == Not(eq(A, B))
    assert parse_filter("not a eq b and c") == And(Not(eq(A, B)), C)


def test_not_binds_tighter_than_and_and_or():
    assert parse_filter("not a and b or not c") == Or(And(Not(A), B), Not(C))


def test_not_can_repeat():
    assert parse_filter("not not a") == Not(Not(A))


def test_relational_operators_bind_tighter_than_equality():
    # OData's precedence table puts lt le gt ge above eq ne.
    assert parse_filter("a lt b eq true") == eq(Comparison(Operator.LT, A, B), Literal(True))
    assert parse_filter("a eq b ge c") == eq(A, Comparison(Operator.GE, B, C))


def test_spaces_and_tabs_separate_tokens():
    assert parse_filter(" \ta \t eq\t1 ") == eq(A, Literal(1))
    assert parse_filter("( a eq 1 )") == eq(A, Literal(1))


def test_operator_words_may_touch_parentheses():
    assert parse_filter("(a eq 1)and(b eq 2)") == And(eq(A, Literal(1)), eq(B, Literal(2)))


# --- Functions ----------------------------------------------------------------------------------


def test_now_takes_no_arguments():
    assert parse_filter("__system/submissionDate lt now()") == Comparison(
        Operator.LT, SUBMISSION_DATE, Call(Function.NOW, ())
    )
    assert parse_filter("a lt now( )") == Comparison(Operator.LT, A, Call(Function.NOW, ()))


@pytest.mark.parametrize("name", ["year", "month", "day", "hour", "minute", "second"])
def test_each_date_part_function(name):
    assert parse_filter(f"{name}( __system/updatedAt ) ge 3") == Comparison(
        Operator.GE, Call(Function(name), (Property(("__system", "updatedAt")),)), Literal(3)
    )


def test_function_of_now_and_of_a_literal():
    assert parse_filter("year(now()) eq year(2026-03-04)") == eq(
        Call(Function.YEAR, (Call(Function.NOW, ()),)),
        Call(Function.YEAR, (Literal(date(2026, 3, 4)),)),
    )


# --- Literals -----------------------------------------------------------------------------------


def test_string_literal():
    assert literal_in("'approved'") == "approved"
    assert literal_in("''") == ""


def test_doubled_quote_is_a_quote_inside_a_string():
    assert literal_in("'it''s'") == "it's"
    assert literal_in("''''") == "'"
    assert literal_in("'a''''b'") == "a''b"


def test_string_keeps_spaces_and_operator_words():
    assert literal_in("'  a eq b and (c) '") == "  a eq b and (c) "


def test_integer_literals():
    value = literal_in("42")
    assert value == 42 and type(value) is int
    assert literal_in("-7") == -7
    assert literal_in("+7") == 7
    assert literal_in(str(2**63 - 1)) == 2**63 - 1


def test_decimal_literals():
    value = literal_in("3.25")
    assert value == Decimal("3.25") and type(value) is Decimal
    assert literal_in("-0.5") == Decimal("-0.5")


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False)])
def test_boolean_literals(text, value):
    parsed = literal_in(text)
    assert parsed is value


def test_null_literal():
    assert literal_in("null") is None


def test_datetime_with_z_is_utc():
    value = literal_in("2026-03-04T09:00:00.000Z")
    assert value == datetime(2026, 3, 4, 9, tzinfo=UTC)
    assert value.utcoffset() == timedelta(0)


def test_datetime_with_offset_keeps_it():
    value = literal_in("2026-03-04T09:00:00+02:00")
    assert value.utcoffset() == timedelta(hours=2)
    assert value == datetime(2026, 3, 4, 7, tzinfo=UTC)
    assert literal_in("2026-03-04T09:00:00-05:30").utcoffset() == -timedelta(hours=5, minutes=30)


def test_datetime_without_offset_is_utc():
    assert literal_in("2026-03-04T09:00:00").tzinfo is UTC


def test_datetime_without_seconds_and_with_long_fraction():
    assert literal_in("2026-03-04T09:30Z") == datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    value = literal_in("2026-03-04T09:30:01.123456789012+00:00")
    assert value == datetime(2026, 3, 4, 9, 30, 1, 123456, tzinfo=timezone(timedelta(0)))


def test_date_literal():
    value = literal_in("2026-03-04")
    assert value == date(2026, 3, 4) and type(value) is date


def test_keywords_are_lower_case_so_upper_case_words_are_properties():
    assert parse_filter("a eq TRUE") == eq(A, Property(("TRUE",)))


def test_literal_may_be_on_the_left():
    assert parse_filter("'x' eq __id") == eq(Literal("x"), Property(("__id",)))


# --- Properties ---------------------------------------------------------------------------------


def test_system_paths_split_into_segments():
    for name in ("submissionDate", "updatedAt", "submitterId", "reviewState", "deletedAt"):
        expression = parse_filter(f"__system/{name} eq null")
        assert expression == eq(Property(("__system", name)), Literal(None))


def test_id_field_and_group_paths_parse():
    assert parse_filter("__id eq 'uuid:1'").left == Property(("__id",))
    assert parse_filter("respondent/resp_age gt 18").left == Property(("respondent", "resp_age"))


def test_root_submissions_prefix_is_removed_and_remembered():
    assert parse_filter("$root/Submissions/__system/submissionDate lt now()") == Comparison(
        Operator.LT,
        Property(("__system", "submissionDate"), root=True),
        Call(Function.NOW, ()),
    )


def test_properties_lists_every_path_once():
    expression = parse_filter(
        "not ($root/Submissions/__system/deletedAt eq null) or year(__system/updatedAt) eq 2026 "
        "and __id ne 'x' and __system/updatedAt lt now() or true"
    )
    assert properties(expression) == {
        ("__system", "deletedAt"),
        ("__system", "updatedAt"),
        ("__id",),
    }
    assert properties(parse_filter("1 eq 1")) == frozenset()


# --- Malformed input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(a eq 1", "missing ')' at position 8; the '(' at position 1 is not closed"),
        ("((a eq 1) or (b eq 2)", "missing ')' at position 22"),
        ("a eq 1)", "unexpected ')' at position 7"),
        ("(a eq 1 b)", "expected ')' but found 'b' at position 9"),
        ("a eq 1 and", "missing operand after 'and' at position 11"),
        ("a eq", "missing operand after 'eq' at position 5"),
        ("not", "missing operand after 'not' at position 4"),
        ("and a", "expected an operand but found 'and' at position 1"),
        ("a eq or b", "expected an operand but found 'or' at position 6"),
        ("()", "expected an operand but found ')' at position 2"),
        ("", "empty filter at position 1"),
        ("   ", "empty filter at position 1"),
        ("len(a) eq 1", "unknown function 'len' at position 1"),
        ("Year(a) eq 1", "unknown function 'Year' at position 1"),
        ("now(a) eq 1", "now() takes no arguments at position 1"),
        ("year() eq 1", "year() takes one argument at position 1"),
        ("day(a, b) eq 1", "day() takes one argument at position 1"),
        ("__id eq 'abc", "unterminated string at position 9"),
        ("__id eq 'it''s", "unterminated string at position 9"),
        ("a eq 2026-13-01", "invalid date '2026-13-01' at position 6"),
        ("a eq 2026-02-30T10:00:00Z", "invalid date-time '2026-02-30T10:00:00Z' at position 6"),
        ("a eq 2026-03-04T25:00:00Z", "invalid date-time"),
        ("a eq 2026-03-04T09:00:00+24:00", "invalid date-time"),
        ("a eq 2026-03-4", "invalid literal '2026-03-4' at position 6"),
        ("a eq 12abc", "invalid literal '12abc' at position 6"),
        ("a eq 1.", "invalid literal '1.' at position 6"),
        ("a eq 2026-03-04T09:00:00 02:00", "space in a date-time offset at position 25"),
        ("a eq 9223372036854775808", "is out of range at position 6"),
        ('a eq "x"', "unexpected character '\"' at position 6; strings use single quotes"),
        ("a eq 1 # b", "unexpected character '#' at position 8"),
        ("a eq 1 b", "unexpected 'b' at position 8"),
        ("a EQ 1", "unexpected 'EQ' at position 3; operators, functions"),
        ("a eq'x'", "'eq' needs a space on each side at position 3"),
        ("a eq 1and b", "invalid literal '1and' at position 6"),
        ("'x'or a", "'or' needs a space on each side at position 4"),
        ("not'x'", "'not' needs a space after it at position 1"),
        ("year (a) eq 1", "unexpected '(' at position 6"),
        ("a/ eq 1", "unexpected character '/' at position 2"),
        ("$it/a eq 1", "unsupported path '$it/a' at position 1"),
        ("$root/Submissions eq 1", "unsupported path '$root/Submissions' at position 1"),
        ("$root/Other/__id eq 1", "unsupported path '$root/Other/__id' at position 1"),
    ],
)
def test_malformed_filter_is_invalid_with_a_position(text, reason):
    assert reason in invalid(text).message


def test_position_is_counted_from_one_and_in_the_context():
    error = invalid("__system/reviewState eq 'approved' xyz")
    assert error.context["position"] == 36
    assert error.context["reason"] == (
        "unexpected 'xyz' at position 36; expected an operator: or, and, eq, ne, lt, le, gt, ge"
    )


def test_long_tokens_are_shortened_in_messages():
    error = invalid("a eq 'x' " + "b" * 300)
    assert "'bbbb" in error.message and "...'" in error.message
    assert len(error.message) < 200


def test_over_long_filter_is_invalid():
    text = "a eq '" + "x" * MAX_LENGTH + "'"
    error = invalid(text)
    assert error.context["position"] == MAX_LENGTH + 1
    assert f"over the {MAX_LENGTH}-character limit" in error.message


def test_filter_of_exactly_the_maximum_length_parses():
    text = "a eq '" + "x" * (MAX_LENGTH - 7) + "'"
    assert len(text) == MAX_LENGTH
    assert parse_filter(text) == eq(A, Literal("x" * (MAX_LENGTH - 7)))


def test_parentheses_nested_too_deep_are_invalid():
    assert parse_filter("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == A
    error = invalid("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))
    assert f"nested more than {MAX_DEPTH} levels deep at position {MAX_DEPTH + 1}" in (
        error.message
    )


def test_nots_nested_too_deep_are_invalid():
    parse_filter("not " * (MAX_DEPTH - 1) + "a")
    assert "nested more than" in invalid("not " * 2 * MAX_DEPTH + "a").message


def test_function_calls_nested_too_deep_are_invalid():
    assert "nested more than" in invalid("year(" * (MAX_DEPTH + 1) + "a" + ")" * 60).message


def test_long_chains_of_and_or_count_as_depth():
    # Code walking the tree recurses once per level, so a left-leaning chain is depth too.
    parse_filter(" or ".join(["a"] * MAX_DEPTH))
    error = invalid(" or ".join(["a"] * (MAX_DEPTH + 1)))
    assert "nested more than" in error.message


# --- Robustness ---------------------------------------------------------------------------------

FILTER_ALPHABET = "abn_$/() ',.-+:TZ0123456789eqotrdlgy"
FILTER_WORDS = st.sampled_from(
    ["a", "__system/submissionDate", "$root/Submissions/__id", "eq", "lt", "and", "or", "not",
     "(", ")", "'x'", "'", "''", "1", "-2.5", "2026-03-04", "2026-03-04T09:00:00Z", "year(",
     "now()", "null", "true", " ", ",", "+02:00"]
)  # fmt: skip


def check_never_crashes(text):
    try:
        expression = parse_filter(text)
    except ConversionError as error:
        assert error.code is ConversionCode.ODATA_FILTER_INVALID
        assert re.search(r"at position \d+", error.message)
    else:
        properties(expression)


@given(st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=80))
def test_random_printable_strings_only_raise_conversion_error(text):
    check_never_crashes(text)


@given(st.text(FILTER_ALPHABET, max_size=60))
def test_random_filter_characters_only_raise_conversion_error(text):
    check_never_crashes(text)


@given(st.lists(FILTER_WORDS, max_size=25).map(" ".join))
def test_random_filter_words_only_raise_conversion_error(text):
    check_never_crashes(text)
