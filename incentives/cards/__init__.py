"""Printed household cards (平安家庭积分卡) for households without phones."""
