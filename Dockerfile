# The billing portal as a container image: `portal serve` by default, `portal worker`,
# `portal migrate` and every other command with another CMD (docs/deployment.md).
#
# Two stages: the first builds wheels of the package and its dependencies (with a
# compiler, should a dependency need one); the second installs only those wheels on a
# slim Python, runs as an unprivileged user and keeps no build tools.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY schema ./schema
COPY billing ./billing
COPY models ./models
COPY notifications ./notifications
COPY kit ./kit
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 \
    PORTAL_ENV=production PORTAL_HOST=0.0.0.0 PORTAL_PORT=8000
RUN useradd --system --uid 10001 --home-dir /var/lib/portal --create-home portal
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels billing-portal && rm -rf /wheels
USER portal
WORKDIR /var/lib/portal
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["portal"]
CMD ["serve"]
