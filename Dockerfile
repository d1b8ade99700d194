# Two stages: build a wheel, then install it into a slim runtime with a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir build && python -m build --wheel --outdir /dist

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLBACKEND=Agg HEARTH_CONFIG=/config/config.toml
RUN useradd --create-home --uid 10001 hearth && mkdir -p /data /config && chown hearth /data
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/*.whl && rm /tmp/*.whl
COPY config.example.toml /config/config.toml
RUN sed -i 's|^data_dir = "data"|data_dir = "/data"|' /config/config.toml
USER hearth
VOLUME ["/data"]
WORKDIR /home/hearth
ENTRYPOINT ["hearth"]
CMD ["run"]
