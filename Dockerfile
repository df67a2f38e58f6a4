# Threadline: `threadline serve` in a slim image, as a non-root user.
# Migrations are a separate step against the same image (see README "Running in Docker"):
#   docker run --rm -e DATABASE_URL=... threadline db upgrade

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY core ./core
COPY bot ./bot
COPY api ./api
COPY migrations ./migrations
RUN /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 threadline
COPY --from=build /venv /venv
ENV PATH="/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    THREADLINE_HOST=0.0.0.0 \
    THREADLINE_PORT=3000
USER threadline
WORKDIR /home/threadline
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["threadline"]
CMD ["serve"]
