"""kb's test suite (a package, so that pytest and the tests import one tests.conftest)."""
