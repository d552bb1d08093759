# Rasa server with the project's custom NLU components and the trained model.
#
# It runs as uid 1001 (`helpline`, with a home: Rasa keeps its telemetry choice in
# ~/.config/rasa). It writes nothing else: the model is unpacked into /tmp, conversations go to
# the PostgreSQL tracker store, locks to Redis, logs to standard output.
FROM python:3.10-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false
RUN useradd --uid 1001 --user-group --create-home --home-dir /home/helpline helpline
WORKDIR /app
COPY bot/constraints.txt bot/requirements.txt bot/pyproject.toml bot/
RUN python -m pip install --no-cache-dir -c bot/constraints.txt -r bot/requirements.txt
COPY bot/ bot/
RUN python -m pip install --no-cache-dir -c bot/constraints.txt --no-deps -e bot/ \
 && cd bot && rasa train --out models --fixed-model-name helpline
# Tracker store (PostgreSQL, with erasure and retention) and lock store (Redis); the values
# come from the container's environment when Rasa reads the file.
COPY docker/endpoints.production.yml /app/endpoints.yml
USER 1001
EXPOSE 5005
