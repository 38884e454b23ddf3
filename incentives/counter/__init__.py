"""The supermarket counter: identifying the household, the cart, checkout, receipts and voids."""
