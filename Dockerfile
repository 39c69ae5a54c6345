# The policykg API image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY policykg policykg
COPY graph graph
COPY ingest ingest
COPY api api
COPY search search
COPY ontologies ontologies
RUN pip install --no-cache-dir . && useradd --system policykg && mkdir /data && chown policykg /data
USER policykg
ENV POLICYKG_DATA_DIR=/data
EXPOSE 8000
CMD ["policykg", "serve", "--host", "0.0.0.0", "--port", "8000"]
