# The worker image: the project, its pinned dependencies, and the bundled embedding model.
FROM python:3.11.7-slim-bookworm
WORKDIR /opt/synthfactory
# bubblewrap isolates generated code in the code check (see SECURITY.md); util-linux brings prlimit and setpriv.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap util-linux && rm -rf /var/lib/apt/lists/*
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
