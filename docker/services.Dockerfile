# The Python 3.11 image: gateway, escalation service, simulator (one image, one
# process per container, chosen by the compose file's command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    LOG_FORMAT=json

RUN pip install --no-cache-dir uv==0.13.8 \
    && useradd --system --create-home --uid 10001 app

WORKDIR /app
# Dependencies first, from the lock, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY bot ./bot
COPY common ./common
COPY escalation ./escalation
COPY helplines ./helplines
COPY nlu ./nlu
RUN uv sync --frozen --no-dev

USER app
ENV PATH=/app/.venv/bin:$PATH
CMD ["python", "-m", "helplines"]
