# Hearth in a slim image: the same `pip install` CI runs (without the test extra), a non-root
# user, and the database on a /data volume. Build: docker build -t hearth .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLBACKEND=Agg \
    HEARTH_CONFIG=/config/config.toml

RUN useradd --create-home --uid 10001 hearth && mkdir -p /data /config && chown hearth /data

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir . && rm -rf /src

COPY config.example.toml /config/config.toml
RUN sed -i 's|^data_dir = "data"|data_dir = "/data"|' /config/config.toml

USER hearth
WORKDIR /home/hearth
VOLUME ["/data"]
ENTRYPOINT ["hearth"]
CMD ["run"]
