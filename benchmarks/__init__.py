"""Performance scripts (not run by the test suite)."""
