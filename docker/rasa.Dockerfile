# The Python 3.10 image: the Rasa server and the Rasa action server (rasa==3.6.21
# pins Python < 3.11), from env/rasa/uv.lock.
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    LOG_FORMAT=json \
    PYTHONPATH=/app

RUN pip install --no-cache-dir uv==0.13.8 \
    && useradd --system --create-home --uid 10001 app

WORKDIR /app/env/rasa
COPY env/rasa/pyproject.toml env/rasa/uv.lock ./
RUN uv sync --frozen --no-dev

WORKDIR /app
COPY bot ./bot
COPY common ./common
COPY helplines ./helplines
COPY nlu ./nlu
COPY stories ./stories

USER app
ENV PATH=/app/env/rasa/.venv/bin:$PATH
EXPOSE 5055
CMD ["python", "-m", "rasa_sdk", "--actions", "bot.actions", "--port", "5055"]
