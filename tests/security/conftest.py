import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session")
def prefect_api():
    """One temporary Prefect API and database for the flow-run tests that ask for it (it costs seconds to start)."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
