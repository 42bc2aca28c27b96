"""The demo's script: its repository, its prompts, and what the demo agent does for each.

Every prompt names the files it changes. "Add a discount helper" runs as three attempts that
each write a different helper; "Add VAT" and "Round the total" change the same lines of
shop/cart.py (the conflict forecast shows it before a merge); "Document the cart" fails on its
first turn and succeeds when retried.
"""

from __future__ import annotations

from dataclasses import dataclass

CART = '''"""The shopping cart: what a basket of prices comes to."""


def total(prices):
    """Return the sum of the prices."""
    return sum(prices)
'''
CART_TEST = """from shop.cart import total


def test_total():
    assert total([1, 2]) == 3
"""
# No .gitignore on purpose: Orchard keeps __pycache__ and the like out of its commits anyway.
DEMO_FILES = {
    "README.md": "# Demo shop\n\nA tiny project for trying Orchard.\n",
    "shop/__init__.py": "",
    "shop/cart.py": CART,
    "tests/test_cart.py": CART_TEST,
}


@dataclass(frozen=True, slots=True)
class Variant:
    """One way of doing a scene's task: what the agent says, and the files it writes whole."""

    intro: str
    files: tuple[tuple[str, str], ...]
    outro: str


@dataclass(frozen=True, slots=True)
class Scene:
    """A scripted prompt: `key` is a phrase of its prompt that the demo agent recognises."""

    key: str
    title: str
    prompt: str
    attempts: int
    plan: str
    reads: tuple[str, ...]
    variants: tuple[Variant, ...]
    fails_first: bool = False
    failure: str = ""


_PRICING = (
    (
        "I'll keep it to plain arithmetic: the price times what is left of 100 per cent.",
        '''"""Prices after a discount."""


def apply_discount(price, percent):
    """Return `price` less `percent` per cent."""
    return price * (100 - percent) / 100
''',
        """from shop.pricing import apply_discount


def test_ten_percent_off():
    assert apply_discount(50, 10) == 45
""",
        "Added apply_discount() to shop/pricing.py: plain arithmetic, one test.",
    ),
    (
        "Money wants Decimal: I'll round half up to cents and refuse a discount outside 0-100.",
        '''"""Prices after a discount, exact to the cent."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def apply_discount(price, percent):
    """Return `price` less `percent` per cent, rounded half up to cents."""
    if not 0 <= percent <= 100:
        raise ValueError(f"a discount is between 0 and 100 per cent, not {percent}")
    left = Decimal(str(price)) * (100 - Decimal(str(percent))) / 100
    return float(left.quantize(CENT, rounding=ROUND_HALF_UP))
''',
        """import pytest

from shop.pricing import apply_discount


def test_rounds_half_up_to_cents():
    assert apply_discount(9.99, 15) == 8.49


def test_refuses_more_than_everything():
    with pytest.raises(ValueError):
        apply_discount(10, 120)
""",
        "Added a Decimal-based apply_discount() that rounds to cents and validates the percent.",
    ),
    (
        "I'll split out the multiplier and clamp it, so no discount makes a price negative.",
        '''"""Prices after a discount; a discount is clamped to 0-100 per cent."""


def discount_factor(percent):
    """Return what is left of a price after `percent` off, clamped to 0..1."""
    return 1 - min(max(percent, 0), 100) / 100


def apply_discount(price, percent):
    """Return `price` less `percent` per cent, rounded to cents."""
    return round(price * discount_factor(percent), 2)
''',
        """from shop.pricing import apply_discount, discount_factor


def test_factor_is_clamped():
    assert discount_factor(150) == 0
    assert discount_factor(-5) == 1


def test_quarter_off():
    assert apply_discount(20, 25) == 15
""",
        "Added apply_discount() with a clamped discount_factor() helper and two tests.",
    ),
)

_VAT_CART = CART.replace(
    'def total(prices):\n    """Return the sum of the prices."""\n    return sum(prices)\n',
    "VAT_RATE = 0.2\n\n\n"
    'def total(prices, vat_rate=VAT_RATE):\n    """Return the sum of the prices, VAT included."""\n'
    "    return sum(prices) * (1 + vat_rate)\n",
)
_ROUND_CART = CART.replace(
    '    """Return the sum of the prices."""\n    return sum(prices)\n',
    '    """Return the sum of the prices, rounded to cents."""\n    return round(sum(prices), 2)\n',
)
_GUIDE = """# The cart

`shop/cart.py` adds up a basket: `total(prices)` returns what the prices come to.

- Tests live in `tests/test_cart.py`; run them with `pytest`.
- Discounts belong in `shop/pricing.py`{link}.
"""

SCENES = (
    Scene(
        "discount helper",
        "Add a discount helper",
        "Add a discount helper: apply_discount(price, percent) in shop/pricing.py, "
        "with tests in tests/test_pricing.py.",
        3,
        "A new module, shop/pricing.py, and its tests.",
        ("shop/cart.py",),
        tuple(
            Variant(intro, (("shop/pricing.py", code), ("tests/test_pricing.py", test)), outro)
            for intro, code, test, outro in _PRICING
        ),
    ),
    Scene(
        "VAT",
        "Add VAT",
        "Add VAT to total() in shop/cart.py, with a test in tests/test_cart.py.",
        1,
        "total() in shop/cart.py gains a VAT rate.",
        ("shop/cart.py", "tests/test_cart.py"),
        (
            Variant(
                "total() will add VAT at a default rate of 20 per cent.",
                (
                    ("shop/cart.py", _VAT_CART),
                    ("tests/test_cart.py", CART_TEST.replace("== 3", "== 3.6")),
                ),
                "total() now includes VAT (VAT_RATE = 0.2); the test expects 3.6.",
            ),
        ),
    ),
    Scene(
        "Round the total",
        "Round the total",
        "Round the total to cents: change total() in shop/cart.py.",
        1,
        "total() in shop/cart.py should round to cents.",
        ("shop/cart.py",),
        (
            Variant(
                "A float sum can come out as 0.30000000000000004; round() to 2 places fixes it.",
                (("shop/cart.py", _ROUND_CART),),
                "total() now rounds to cents.",
            ),
        ),
    ),
    Scene(
        "Document the cart",
        "Document the cart",
        "Document the cart: write docs/cart.md, a short guide to shop/cart.py for newcomers.",
        1,
        "A guide in docs/cart.md.",
        ("shop/cart.py", "README.md"),
        (
            Variant(
                "I'll write a short guide and point to where discounts live.",
                (("docs/cart.md", _GUIDE.format(link="")),),
                "Wrote docs/cart.md (the second run: the link check passes).",
            ),
        ),
        fails_first=True,
        failure="docs/cart.md: the link to shop/checkout.py is broken",
    ),
)
# Title, prompt, attempts, as Orchard queues them.
DEMO_PROMPTS = tuple((s.title, s.prompt, s.attempts) for s in SCENES)
