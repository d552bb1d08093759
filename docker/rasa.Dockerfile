# Rasa server with the project's custom NLU components and the trained model.
FROM python:3.10-slim
WORKDIR /app
COPY bot/constraints.txt bot/requirements.txt bot/pyproject.toml bot/
RUN python -m pip install --no-cache-dir -c bot/constraints.txt -r bot/requirements.txt
COPY bot/ bot/
RUN python -m pip install --no-cache-dir -c bot/constraints.txt --no-deps -e bot/ \
 && cd bot && RASA_TELEMETRY_ENABLED=false rasa train --out models --fixed-model-name helpline
ENV RASA_TELEMETRY_ENABLED=false
USER 1001
EXPOSE 5005
