"""The Hazelcast fixture lives in tests/conftest.py (one member for the whole run)."""
