"""The villager's home on a phone, and the staff dashboard."""
