# The Python 3.11 side: action server, gateway and CLI share one image.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY helpline/ helpline/
COPY actions/ actions/
COPY knowledge/ knowledge/
COPY channels/ channels/
COPY console/ console/
COPY locales/ locales/
COPY bot/data/nlu/ bot/data/nlu/
RUN python -m pip install --no-cache-dir . && python -m helpline.i18n compile
USER 1001
