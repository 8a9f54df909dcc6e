"""The default engine design: exact insertion, large neighbourhood search on parts, reassignment."""
