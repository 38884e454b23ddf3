"""Users, roles granted on nodes of the region tree, login."""
