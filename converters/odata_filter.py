"""The subset of OData v4 ``$filter`` that ODK Central supports, parsed into a small tree.
Pure syntax: the caller decides which properties may be used and turns the tree into SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from converters.errors import ConversionCode, ConversionError

# The filter comes from the internet: bound the work and the depth of the tree, since code
# that walks it (SQL translation) recurses once per level.
MAX_LENGTH = 2000
MAX_DEPTH = 50


class Operator(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"


class Function(StrEnum):
    NOW = "now"
    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    HOUR = "hour"
    MINUTE = "minute"
    SECOND = "second"


LiteralValue: TypeAlias = str | int | Decimal | bool | datetime | date | None


@dataclass(frozen=True, slots=True)
class Property:
    """A property path such as ``("__system", "submissionDate")``. ``root`` is true when it was
    written ``$root/Submissions/...``, as a repeat table refers to its submission."""

    path: tuple[str, ...]
    root: bool = False


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant; date-times are always timezone-aware (UTC when written without offset)."""

    value: LiteralValue


@dataclass(frozen=True, slots=True)
class Call:
    name: Function
    args: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    op: Operator
    left: Expression
    right: Expression


@dataclass(frozen=True, slots=True)
class And:
    left: Expression
    right: Expression


@dataclass(frozen=True, slots=True)
class Or:
    left: Expression
    right: Expression


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expression


Expression: TypeAlias = Comparison | And | Or | Not | Property | Literal | Call


def parse_filter(text: str) -> Expression:
    """Parse a (percent-decoded) ``$filter`` value.

    Raises ``ConversionError(ODATA_FILTER_INVALID)`` whose ``reason`` names the problem and its
    character position (counted from 1), also given as ``context["position"]``.
    """
    if len(text) > MAX_LENGTH:
        raise _invalid(
            MAX_LENGTH, f"filter goes over the {MAX_LENGTH}-character limit", f"it has {len(text)}"
        )
    return _Parser(_tokenize(text)).parse()


def properties(expression: Expression) -> frozenset[tuple[str, ...]]:
    """Every property path the expression uses, ``$root/Submissions/`` removed."""
    found: set[tuple[str, ...]] = set()
    stack: list[Expression] = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, Property):
            found.add(node.path)
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, Call):
            stack.extend(node.args)
        elif not isinstance(node, Literal):
            stack.extend((node.left, node.right))
    return frozenset(found)


# --- Tokens -----------------------------------------------------------------------------------

# OData's RWS and BWS: space and horizontal tab (the caller has already percent-decoded).
_SPACE = " \t"
_TOKEN = re.compile(
    r"""(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
      | (?P<date>\d{4}-\d{2}-\d{2})
      | (?P<number>[+-]?\d+(?:\.\d+)?)
      | (?P<name>\$?[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)
      | (?P<punctuation>[(),])""",
    re.VERBOSE | re.ASCII,
)
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):(\d{2}))?",
    re.ASCII,
)
# A '+' left unencoded in a URL arrives as a space: 2026-03-04T09:00:00 02:00.
_LOST_PLUS = re.compile(r" \d{2}:\d{2}", re.ASCII)
_WORD = re.compile(r"[^ \t(),]+")
_INT64 = range(-(2**63), 2**63)
_WORDS: dict[str, LiteralValue] = {"true": True, "false": False, "null": None}
_BINARY = ("or", "and", "eq", "ne", "lt", "le", "gt", "ge")
_FUNCTIONS = frozenset(f.value for f in Function)
_KEYWORDS = frozenset((*_BINARY, "not", *_WORDS, *_FUNCTIONS))


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "literal", "name", "(", ")", "," or "end"
    text: str
    pos: int  # index into the filter, from 0
    spaced: bool  # whitespace right before it
    literal: Literal | None = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos, spaced = 0, False
    while pos < len(text):
        if text[pos] in _SPACE:
            pos, spaced = pos + 1, True
            continue
        if text[pos] == "'":
            end, value = _string(text, pos)
            tokens.append(_Token("literal", text[pos:end], pos, spaced, Literal(value)))
        elif (match := _TOKEN.match(text, pos)) is None:
            hint = "strings use single quotes" if text[pos] == '"' else None
            raise _invalid(pos, f"unexpected character {text[pos]!r}", hint)
        else:
            end, kind = match.end(), match.lastgroup
            if kind == "name":
                tokens.append(_Token("name", match.group(), pos, spaced))
            elif kind == "punctuation":
                tokens.append(_Token(match.group(), match.group(), pos, spaced))
            else:
                literal = _literal(text, match)
                tokens.append(_Token("literal", match.group(), pos, spaced, literal))
        pos, spaced = end, False
    tokens.append(_Token("end", "", len(text), spaced))
    return tokens


def _string(text: str, start: int) -> tuple[int, str]:
    parts: list[str] = []
    pos = start + 1
    while (end := text.find("'", pos)) != -1:
        parts.append(text[pos:end])
        if not text.startswith("'", end + 1):
            return end + 1, "".join(parts)
        parts.append("'")  # '' is a quote inside the string
        pos = end + 2
    raise _invalid(start, "unterminated string", "strings end with a single quote")


def _literal(text: str, match: re.Match[str]) -> Literal:
    start, end, kind = match.start(), match.end(), match.lastgroup
    if kind == "datetime" and _LOST_PLUS.match(text, end):
        raise _invalid(end, "space in a date-time offset", "write '+' as %2B in a URL")
    if end < len(text) and text[end] not in " \t),":
        word = _WORD.match(text, start)
        assert word is not None
        raise _invalid(start, f"invalid literal {_show(word.group())}")
    written = match.group()
    try:
        if kind == "datetime":
            return Literal(_datetime(written))
        if kind == "date":
            return Literal(date.fromisoformat(written))
    except ValueError:
        what = "date-time" if kind == "datetime" else "date"
        raise _invalid(start, f"invalid {what} {written!r}") from None
    if "." in written:
        return Literal(Decimal(written))
    if int(written) not in _INT64:
        raise _invalid(start, f"integer {_show(written)} is out of range", "the limit is 64 bits")
    return Literal(int(written))


def _datetime(written: str) -> datetime:
    match = _DATETIME.fullmatch(written)
    assert match is not None
    *fields, fraction, sign, off_h, off_m = match.groups()
    year, month, day, hour, minute, second = (int(field or 0) for field in fields)
    zone = UTC
    if sign is not None:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(f"offset {sign}{off_h}:{off_m}")
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = timezone(-offset if sign == "-" else offset)
    micro = int((fraction or "0")[:6].ljust(6, "0"))  # OData allows 12 digits; Python keeps 6
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)


# --- Grammar ----------------------------------------------------------------------------------

# Binding from loosest to tightest, as in OData's operator precedence table: or, and,
# equality (eq ne), relational (lt le gt ge); then unary not, then primaries.
_LEVELS = (frozenset({"or"}), frozenset({"and"}), frozenset({"eq", "ne"}), frozenset(_BINARY[4:]))
_COMPARISON_LEVEL = 2  # the level of eq and ne: where `not` starts reading its operand
_Parsed: TypeAlias = tuple[Expression, int]  # the tree and its depth


class _Parser:
    __slots__ = ("_tokens", "_index", "_nesting")

    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._nesting = 0

    def parse(self) -> Expression:
        expression, _depth = self._binary(0)
        token = self._peek()
        if token.kind == ")":
            raise _invalid(token.pos, "unexpected ')'", "there is no '(' to close")
        if token.kind != "end":
            hint = "expected an operator: " + ", ".join(_BINARY)
            if token.text.lower() in _KEYWORDS and token.text not in _KEYWORDS:
                hint = "operators, functions and true, false, null are lower case"
            raise _invalid(token.pos, f"unexpected {_show(token.text)}", hint)
        return expression

    def _peek(self, ahead: int = 0) -> _Token:
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        self._index = min(self._index + 1, len(self._tokens) - 1)
        return token

    def _binary(self, level: int) -> _Parsed:
        if level == len(_LEVELS):
            return self._unary()
        left, depth = self._binary(level + 1)
        while (op := self._peek()).kind == "name" and op.text in _LEVELS[level]:
            # OData's ABNF wants whitespace (RWS) around these words. Next to a parenthesis a
            # word is unambiguous, so "(a eq 1)and(b eq 2)" is accepted too.
            before, after = self._peek(-1), self._peek(1)
            if not (op.spaced or before.kind == ")") or not (
                after.spaced or after.kind in ("(", "end")
            ):
                raise _invalid(op.pos, f"'{op.text}' needs a space on each side")
            self._next()
            right, right_depth = self._binary(level + 1)
            depth = self._deeper(max(depth, right_depth), op.pos)
            left = _combine(op.text, left, right)
        return left, depth

    def _unary(self) -> _Parsed:
        token = self._peek()
        if token.kind != "name" or token.text != "not":
            return self._primary()
        if not (self._peek(1).spaced or self._peek(1).kind in ("(", ")", ",", "end")):
            raise _invalid(token.pos, "'not' needs a space after it")
        self._next()
        self._enter(token.pos)
        # `not` takes a whole comparison, as Central's parser reads `not a eq b`: not (a eq b).
        operand, depth = self._binary(_COMPARISON_LEVEL)
        self._nesting -= 1
        return Not(operand), self._deeper(depth, token.pos)

    def _primary(self) -> _Parsed:
        token = self._next()
        if token.kind == "literal":
            assert token.literal is not None
            return token.literal, 1
        if token.kind == "(":
            self._enter(token.pos)
            inner, depth = self._binary(0)
            self._close(token)
            return inner, depth
        if token.kind == "name":
            if token.text in _WORDS:
                return Literal(_WORDS[token.text]), 1
            if token.text in _BINARY:
                raise _invalid(token.pos, f"expected an operand but found '{token.text}'")
            if self._peek().kind == "(" and not self._peek().spaced:
                return self._call(token)
            return _property(token), 1
        if token.kind == "end":
            if self._index == 0:
                raise _invalid(0, "empty filter")
            raise _invalid(token.pos, f"missing operand after {_show(self._peek(-1).text)}")
        raise _invalid(token.pos, f"expected an operand but found {_show(token.text)}")

    def _call(self, name: _Token) -> _Parsed:
        if name.text not in _FUNCTIONS:
            hint = "supported: " + ", ".join(Function)
            raise _invalid(name.pos, f"unknown function {_show(name.text)}", hint)
        function = Function(name.text)
        opening = self._next()
        self._enter(opening.pos)
        args: list[Expression] = []
        depth = 0
        if self._peek().kind != ")":
            while True:
                arg, arg_depth = self._binary(0)
                args.append(arg)
                depth = max(depth, arg_depth)
                if self._peek().kind != ",":
                    break
                self._next()
        self._close(opening)
        wanted = 0 if function is Function.NOW else 1
        if len(args) != wanted:
            takes = "no arguments" if wanted == 0 else "one argument"
            raise _invalid(name.pos, f"{function}() takes {takes}", f"it was given {len(args)}")
        return Call(function, tuple(args)), self._deeper(depth, name.pos)

    def _close(self, opening: _Token) -> None:
        token = self._next()
        if token.kind != ")":
            found = f"expected ')' but found {_show(token.text)}" if token.text else "missing ')'"
            raise _invalid(token.pos, found, f"the '(' at position {opening.pos + 1} is not closed")
        self._nesting -= 1

    def _enter(self, pos: int) -> None:
        self._nesting += 1
        if self._nesting > MAX_DEPTH:
            raise _too_deep(pos)

    def _deeper(self, depth: int, pos: int) -> int:
        if depth + 1 > MAX_DEPTH:
            raise _too_deep(pos)
        return depth + 1


def _combine(word: str, left: Expression, right: Expression) -> Expression:
    if word == "or":
        return Or(left, right)
    if word == "and":
        return And(left, right)
    return Comparison(Operator(word), left, right)


def _property(token: _Token) -> Property:
    segments = tuple(token.text.split("/"))
    if not segments[0].startswith("$"):
        return Property(segments)
    # Repeat tables filter on their submission's metadata as $root/Submissions/__system/...
    if segments[0] != "$root" or segments[1:2] != ("Submissions",) or len(segments) < 3:
        hint = "only '$root/Submissions/...' is supported"
        raise _invalid(token.pos, f"unsupported path {_show(token.text)}", hint)
    return Property(segments[2:], root=True)


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _too_deep(pos: int) -> ConversionError:
    return _invalid(pos, f"expression nested more than {MAX_DEPTH} levels deep")


def _invalid(pos: int, what: str, hint: str | None = None) -> ConversionError:
    reason = f"{what} at position {pos + 1}" + (f"; {hint}" if hint else "")
    return ConversionError(ConversionCode.ODATA_FILTER_INVALID, reason=reason, position=pos + 1)
