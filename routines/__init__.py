"""Built-in routines, shipped inside the package as data."""
