"""The region tree (county > township > village > grid), households and persons."""
