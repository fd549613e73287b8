from tests.e2e.conftest import prefect_api  # noqa: F401  (the builds that must succeed run on it)
