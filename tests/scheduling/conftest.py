"""The webhook fixtures (seeded app with fast retries, a receiver, the worker in this process)."""

from tests.webhooks.conftest import app, receiver  # noqa: F401
