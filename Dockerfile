# The worker image: the project, its pinned dependencies, and the bundled embedding model.
FROM python:3.11.7-slim-bookworm
WORKDIR /opt/synthfactory
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY flows flows
COPY tasks tasks
COPY schemas schemas
COPY deployments deployments
RUN pip install --no-cache-dir --no-deps -e .
ENV SYNTHFACTORY_HOME=/opt/synthfactory \
    HF_HUB_OFFLINE=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    GX_ANALYTICS_ENABLED=false \
    PREFECT_HOME=/data/prefect
