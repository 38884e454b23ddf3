"""The rules catalogue (积分细则): what earns or costs points, versioned."""
