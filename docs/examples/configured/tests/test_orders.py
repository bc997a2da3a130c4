import pytest

from shop.orders import place_order


def test_place_order_returns_an_order():
    order = place_order(customer_id=7, items=["apple"])
    assert order is not None
    assert isinstance(order.id, int)


def test_unknown_customer_is_rejected():
    with pytest.raises(ValueError):
        place_order(customer_id=-1, items=["apple"])
