"""POST /orders bodies as hypothesis strategies: valid orders, and hostile ones of every kind.

Every rule a valid order meets is read from the order schema, so the valid bodies stay
valid and each hostile kind breaks exactly the rule it is named after. Each body carries
its kind, so figures can be broken down by kind and the tests can check every kind came up.
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.cache import LRUCache
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

from handlers.orders import ORDER_SCHEMA
from tools.reliability.sqs_rules import SQS_MAX_MESSAGE_BYTES

_DEFINITIONS = ORDER_SCHEMA["definitions"]
_IDENTIFIER = _DEFINITIONS["identifier"]
_SKU = _DEFINITIONS["sku"]
_LINE = _DEFINITIONS["lineItem"]
_QUANTITY = _LINE["properties"]["quantity"]
_PRICE = _LINE["properties"]["unitPrice"]
_ITEMS = ORDER_SCHEMA["properties"]["items"]
_REQUIRED = tuple(ORDER_SCHEMA["required"])
_IDENTIFIER_FIELDS = ("orderId", "customerId")

# Long enough to cost every layer something, short enough to generate hundreds quickly.
HUGE_STRING_LENGTHS = (10_000, 100_000, 500_000)
HUGE_ARRAY_LENGTHS = (_ITEMS["maxItems"] + 1, 1_000, 5_000)
# Below, at and far above the depth CPython's JSON decoder can follow (its recursion limit).
NESTING_DEPTHS = (64, 900, 5_000, 100_000)
# Rounds per run: 15 x 14 hostile kinds = 210 hostile bodies, at least 200 as promised.
BODY_ROUNDS = 15
# Valid orders among each round's hostile bodies: enough to see them stored amid the rest.
VALID_PER_ROUND = 5
# Valid orders are small; a few items keep them quick while still mixing both item forms.
MAX_VALID_ITEMS = 5
# Valid identifiers and SKUs are up to this long, or exactly as long as the schema allows.
MAX_VALID_TEXT = 16
# Stands for a value that json.dumps cannot write (raw characters, nesting built as text).
_PLACEHOLDER = "__placeholder__"

Json = Any


class Kind(StrEnum):
    VALID = "valid order"
    MISSING_FIELD = "missing field"
    WRONG_TYPE = "wrong type"
    UNKNOWN_FIELD = "unknown field"
    BAD_IDENTIFIER = "bad identifier"
    HUGE_STRING = "huge string"
    HUGE_ARRAY = "huge array"
    DEEP_NESTING = "deep nesting"
    HOSTILE_CHARACTERS = "unicode and control characters"
    FLOAT_PRICE = "float or malformed price"
    BAD_QUANTITY = "negative or out-of-range quantity"
    DUPLICATED_KEYS = "duplicated keys"
    NOT_JSON = "not JSON"
    NOT_AN_OBJECT = "not an object"
    OVERSIZE = "oversize"


@dataclass(frozen=True)
class Body:
    kind: Kind
    data: bytes

    @property
    def text(self) -> str | None:
        """The body as text; None when it is not UTF-8 (no SQS message can carry it)."""
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def __repr__(self) -> str:
        shown = self.data if len(self.data) <= 200 else self.data[:200] + b"..."
        return f"Body({self.kind.value!r}, {len(self.data)} bytes: {shown!r})"


def _schema_text(definition: dict[str, Any]) -> st.SearchStrategy[str]:
    """Text the definition's `^[first][rest]*` pattern (anchored at both ends) accepts, up
    to its maxLength.

    The two alphabets are read off the pattern by trying every printable character, which
    is much cheaper to draw from than `st.from_regex`.
    """
    pattern = re.compile(definition["pattern"])
    first = "".join(c for c in string.printable if pattern.fullmatch(c))
    rest = "".join(c for c in string.printable if pattern.fullmatch(first[0] + c))
    longest = definition["maxLength"] - 1
    tails = st.text(alphabet=rest, max_size=MAX_VALID_TEXT) | st.text(
        alphabet=rest, min_size=longest, max_size=longest
    )
    return st.builds(operator.add, st.sampled_from(first), tails)


identifiers = _schema_text(_IDENTIFIER)
skus = _schema_text(_SKU)
prices = st.from_regex(_PRICE["pattern"], fullmatch=True).filter(
    lambda text: len(text) <= _PRICE["maxLength"]
)
quantities = st.integers(_QUANTITY["minimum"], _QUANTITY["maximum"])
line_items = st.builds(
    lambda sku, quantity, price: (
        {"sku": sku, "quantity": quantity} | ({} if price is None else {"unitPrice": price})
    ),
    skus,
    quantities,
    st.none() | prices,
)


@st.composite
def valid_orders(draw: st.DrawFn) -> dict[str, Json]:
    """An order the schema accepts: bare SKUs and line items, with and without prices."""
    keys = draw(st.permutations(_REQUIRED))
    values = {
        "orderId": identifiers,
        "customerId": identifiers,
        "items": st.lists(skus | line_items, min_size=_ITEMS["minItems"], max_size=MAX_VALID_ITEMS),
    }
    return {key: draw(values[key]) for key in keys}


@st.composite
def _formatted(draw: st.DrawFn, document: Json) -> bytes:
    """JSON text in any of the layouts a client may send: compact, indented, escaped."""
    text = json.dumps(
        document,
        indent=draw(st.none() | st.integers(0, 4)),
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])),
    )
    padding = st.text(alphabet=" \t\r\n", max_size=8)
    return (draw(padding) + text + draw(padding)).encode("utf-8")


def _body(kind: Kind, documents: st.SearchStrategy[Json]) -> st.SearchStrategy[Body]:
    return documents.flatmap(_formatted).map(lambda data: Body(kind, data))


def _text_body(kind: Kind, texts: st.SearchStrategy[str]) -> st.SearchStrategy[Body]:
    return texts.map(lambda text: Body(kind, text.encode("utf-8", errors="surrogatepass")))


def _with_line_items(order: dict[str, Json]) -> dict[str, Json]:
    """The order with every item as a line item, so item fields can be broken."""
    return {
        **order,
        "items": [
            {"sku": item, "quantity": 1} if isinstance(item, str) else item
            for item in order["items"]
        ],
    }


def _edit(order: dict[str, Json], field: str, change: Callable[[Json], Json]) -> dict[str, Json]:
    """`field` of the order, or of its first line item when it is an item field."""
    if field in order:
        return {**order, field: change(order[field])}
    lines = _with_line_items(order)
    first = dict(lines["items"][0])
    first[field] = change(first.get(field))
    return {**lines, "items": [first, *lines["items"][1:]]}


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


@st.composite
def _missing_field(draw: st.DrawFn) -> dict[str, Json]:
    order = draw(valid_orders())
    field = draw(st.sampled_from((*_REQUIRED, *_LINE["required"])))
    if field in order:
        return {key: value for key, value in order.items() if key != field}
    lines = _with_line_items(order)
    first = {key: value for key, value in lines["items"][0].items() if key != field}
    return {**lines, "items": [first, *lines["items"][1:]]}


def _not_of_type(*types: type) -> st.SearchStrategy[Json]:
    # bool is an int in Python, not in JSON: keep it as a wrong type for integers.
    return json_values.filter(lambda value: isinstance(value, bool) or not isinstance(value, types))


_WRONG_TYPES: dict[str, st.SearchStrategy[Json]] = {
    "orderId": _not_of_type(str),
    "customerId": _not_of_type(str),
    "items": _not_of_type(list),
    "sku": _not_of_type(str),
    "quantity": _not_of_type(int),
    "unitPrice": _not_of_type(str),
}


@st.composite
def _wrong_type(draw: st.DrawFn) -> dict[str, Json]:
    field = draw(st.sampled_from(sorted(_WRONG_TYPES)))
    value = draw(_WRONG_TYPES[field])
    order = draw(valid_orders())
    if field == "items":
        return {**order, "items": value}
    if field in _IDENTIFIER_FIELDS:
        return {**order, field: value}
    # An item that is a bare SKU of the wrong type, or a line item with a field of one.
    if field == "sku" and draw(st.booleans()):
        return {**order, "items": [value, *order["items"][1:]]}
    return _edit(order, field, lambda _: value)


@st.composite
def _unknown_field(draw: st.DrawFn) -> dict[str, Json]:
    order = draw(valid_orders())
    known = {*ORDER_SCHEMA["properties"], *_LINE["properties"]}
    name = draw(st.text(min_size=1, max_size=20).filter(lambda key: key not in known))
    value = draw(json_values)
    if draw(st.booleans()):
        return {**order, name: value}
    lines = _with_line_items(order)
    first = {**lines["items"][0], name: value}
    return {**lines, "items": [first, *lines["items"][1:]]}


def _breaks(definition: dict[str, Any]) -> Callable[[str], bool]:
    pattern = re.compile(definition["pattern"])
    return lambda text: len(text) > definition["maxLength"] or not pattern.fullmatch(text)


_bad_identifiers = (
    st.just("")
    | identifiers.map(lambda text: text + "\n")
    | identifiers.flatmap(lambda text: st.sampled_from([" " + text, text + " ", "-" + text]))
    | st.text(alphabet=string.ascii_letters, min_size=_IDENTIFIER["maxLength"] + 1, max_size=80)
    | st.text(min_size=1, max_size=20).filter(_breaks(_IDENTIFIER))
)


@st.composite
def _bad_identifier(draw: st.DrawFn) -> dict[str, Json]:
    order = draw(valid_orders())
    field = draw(st.sampled_from((*_IDENTIFIER_FIELDS, "sku")))
    value = draw(_bad_identifiers.filter(_breaks(_SKU)) if field == "sku" else _bad_identifiers)
    if field == "sku":
        return {**order, "items": [value, *order["items"][1:]]}
    return {**order, field: value}


@st.composite
def _huge_string(draw: st.DrawFn) -> dict[str, Json]:
    order = draw(valid_orders())
    huge = draw(st.sampled_from(string.ascii_letters)) * draw(st.sampled_from(HUGE_STRING_LENGTHS))
    field = draw(st.sampled_from((*_IDENTIFIER_FIELDS, "items")))
    if field == "items":
        return {**order, "items": [huge, *order["items"][1:]]}
    return {**order, field: huge}


@st.composite
def _huge_array(draw: st.DrawFn) -> dict[str, Json]:
    order = draw(valid_orders())
    length = draw(st.sampled_from(HUGE_ARRAY_LENGTHS))
    return {**order, "items": (order["items"] * length)[:length]}


@st.composite
def _deep_nesting(draw: st.DrawFn) -> str:
    """Nested arrays or objects, as the whole body or as an item; built as text, since
    the deepest cannot be built (or dumped) as Python values."""
    depth = draw(st.sampled_from(NESTING_DEPTHS))
    opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    nested = opening * depth + "1" + closing * depth
    if draw(st.booleans()):
        return nested
    order = draw(valid_orders())
    return json.dumps({**order, "items": [_PLACEHOLDER]}).replace(json.dumps(_PLACEHOLDER), nested)


hostile_characters = st.text(
    alphabet=st.characters(
        categories=["Cc", "Cf", "Cs", "Co", "Zs", "Zl", "Zp", "Mn", "So", "Lo"],
    ),
    min_size=1,
    max_size=12,
)


@st.composite
def _hostile_characters(draw: st.DrawFn) -> str:
    """Control, format, surrogate, private-use and combining characters (none of which an
    identifier or SKU allows) in a field, escaped (valid JSON) or raw (a control character
    or a lone surrogate in a string is not valid JSON, nor UTF-8)."""
    order = draw(valid_orders())
    characters = draw(hostile_characters)
    field = draw(st.sampled_from((*_IDENTIFIER_FIELDS, "sku", "note")))
    if field == "sku":
        spoiled = {**order, "items": [_PLACEHOLDER, *order["items"][1:]]}
    else:
        spoiled = {**order, field: _PLACEHOLDER}
    value = '"' + characters + '"' if draw(st.booleans()) else json.dumps(characters)
    return json.dumps(spoiled).replace(json.dumps(_PLACEHOLDER), value)


@st.composite
def _float_price(draw: st.DrawFn) -> dict[str, Json]:
    price = draw(
        st.floats(allow_nan=False, allow_infinity=False)
        | st.sampled_from(["1.999", "-1", "1e3", "NaN", "0x10", " 1", "1,00", "00.5", "12345678"])
        | st.decimals(places=3, allow_nan=False, allow_infinity=False).map(str)
    )
    return _edit(draw(valid_orders()), "unitPrice", lambda _: price)


@st.composite
def _bad_quantity(draw: st.DrawFn) -> dict[str, Json]:
    quantity = draw(
        st.integers(max_value=_QUANTITY["minimum"] - 1)
        | st.integers(min_value=_QUANTITY["maximum"] + 1)
        | st.sampled_from([10**30, -(10**30), 1.5, 1.0, -0.0, 0.5])
    )
    return _edit(draw(valid_orders()), "quantity", lambda _: quantity)


@st.composite
def _duplicated_keys(draw: st.DrawFn) -> str:
    """An order with a key again at the end, of the wrong type: the last value counts at the
    edge and in the processor alike (handlers.json_text), so it is refused; a layer keeping
    the first value instead would accept it."""
    order = draw(valid_orders())
    repeated = draw(st.sampled_from(sorted(order)))
    pairs: list[tuple[str, Json]] = [*order.items(), (repeated, draw(_WRONG_TYPES[repeated]))]
    return "{" + ", ".join(f"{json.dumps(key)}: {json.dumps(item)}" for key, item in pairs) + "}"


@st.composite
def _not_json(draw: st.DrawFn) -> bytes:
    order_text = json.dumps(draw(valid_orders()))
    return draw(
        st.binary(max_size=64)
        | st.text(max_size=64).map(lambda text: text.encode("utf-8", errors="surrogatepass"))
        | st.integers(1, len(order_text) - 1).map(lambda cut: order_text[:cut].encode())
        | st.sampled_from(
            [
                b"",
                order_text.encode() + b" trailing",
                order_text.replace('"', "'").encode(),
                order_text[:-1].encode() + b", }",
                b"// comment\n" + order_text.encode(),
                b"\xef\xbb\xbf" + order_text.encode(),
                order_text.replace("[", "[NaN, ", 1).encode(),
                b'{"orderId": Infinity}',
                order_text.encode("utf-16"),
                b"\xff\xfe\xfd",
            ]
        )
    )


not_objects = st.one_of(
    st.lists(json_values, max_size=4),
    json_scalars,
    st.lists(valid_orders(), min_size=1, max_size=2),
)


@st.composite
def _oversize(draw: st.DrawFn) -> bytes:
    """A valid order padded with whitespace (still valid JSON) past what SQS can queue."""
    order = json.dumps(draw(valid_orders()))
    excess = draw(st.integers(1, 4096))
    padding = SQS_MAX_MESSAGE_BYTES - len(order) + excess
    return (order[:-1] + " " * padding + "}").encode()


valid_bodies: st.SearchStrategy[Body] = _body(Kind.VALID, valid_orders())

_HOSTILE: dict[Kind, st.SearchStrategy[Body]] = {
    Kind.MISSING_FIELD: _body(Kind.MISSING_FIELD, _missing_field()),
    Kind.WRONG_TYPE: _body(Kind.WRONG_TYPE, _wrong_type()),
    Kind.UNKNOWN_FIELD: _body(Kind.UNKNOWN_FIELD, _unknown_field()),
    Kind.BAD_IDENTIFIER: _body(Kind.BAD_IDENTIFIER, _bad_identifier()),
    Kind.HUGE_STRING: _huge_string().map(
        lambda order: Body(Kind.HUGE_STRING, json.dumps(order).encode())
    ),
    Kind.HUGE_ARRAY: _huge_array().map(
        lambda order: Body(Kind.HUGE_ARRAY, json.dumps(order).encode())
    ),
    Kind.DEEP_NESTING: _text_body(Kind.DEEP_NESTING, _deep_nesting()),
    Kind.HOSTILE_CHARACTERS: _text_body(Kind.HOSTILE_CHARACTERS, _hostile_characters()),
    Kind.FLOAT_PRICE: _body(Kind.FLOAT_PRICE, _float_price()),
    Kind.BAD_QUANTITY: _body(Kind.BAD_QUANTITY, _bad_quantity()),
    Kind.DUPLICATED_KEYS: _text_body(Kind.DUPLICATED_KEYS, _duplicated_keys()),
    Kind.NOT_JSON: _not_json().map(lambda data: Body(Kind.NOT_JSON, data)),
    Kind.NOT_AN_OBJECT: _body(Kind.NOT_AN_OBJECT, not_objects),
    Kind.OVERSIZE: _oversize().map(lambda data: Body(Kind.OVERSIZE, data)),
}
HOSTILE_KINDS = tuple(_HOSTILE)

# One body of every hostile kind and a few valid ones: hypothesis does not draw the
# branches of a choice evenly, so a round guarantees each kind its share.
rounds: st.SearchStrategy[tuple[Body, ...]] = st.tuples(
    *_HOSTILE.values(), *[valid_bodies] * VALID_PER_ROUND
)


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis draws now and then from the literals of every project module imported so
    far, so what `derandomize` or a seed drew depended on what the process had imported:
    pytest on the processor's tests, on every reliability test and on the whole suite drew
    other "fixed" bodies (SQS refused 21, 20 and 17 of them). Without those literals a draw
    depends on the strategies and the seed alone. Hypothesis's cache of the constants each
    draw may take is swapped out too, since it holds the literals."""
    with (
        mock.patch.object(providers, "_get_local_constants", Constants),
        mock.patch.object(providers, "CONSTANTS_CACHE", LRUCache(1024)),
    ):
        yield


@functools.cache
def generate(round_count: int, seed_value: int | None = None) -> tuple[Body, ...]:
    """`round_count` rounds of bodies drawn by hypothesis: the same ones on every call, or
    `seed_value`'s, whatever the process imported before. Kept once drawn: the queue and
    the edge are sent the same bodies."""
    drawn: list[Body] = []

    def draw(bodies: tuple[Body, ...]) -> None:
        drawn.extend(bodies)

    run = settings(
        max_examples=round_count,
        derandomize=seed_value is None,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )(given(rounds)(draw))
    if seed_value is not None:
        run = seed(seed_value)(run)
    with _without_local_constants():
        run()
    return tuple(drawn)
