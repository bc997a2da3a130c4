from shop.orders import place_order


def test_place_order_runs():
    place_order(customer_id=7, items=["apple"])
