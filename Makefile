# Two commands for a newcomer:
#   make demo   set up, ingest ../shared/corpus into the embedded store, answer a search
#   make test   set up, start real Neo4j + Elasticsearch (services/run), run every test
# Any other folder of documents: make demo CORPUS=/path/to/folder QUERY=科技保险补贴

PYTHON ?= python3
VENV ?= .venv
CORPUS ?= ../shared/corpus
QUERY ?= 高新技术企业
DATA ?= data
# Throwaway credentials for the local test servers that `make test` starts and stops.
TEST_NEO4J_PASSWORD ?= policykg-local-test

BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-embedded serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	POLICYKG_DATA_DIR=$(DATA) $(BIN)/policykg ingest $(CORPUS)
	POLICYKG_DATA_DIR=$(DATA) $(BIN)/policykg search "$(QUERY)" --limit 5

test: $(STAMP)
	NEO4J_PASSWORD=$(TEST_NEO4J_PASSWORD) services/run start --fresh
	NEO4J_PASSWORD=$(TEST_NEO4J_PASSWORD) POLICYKG_NEO4J_PASSWORD=$(TEST_NEO4J_PASSWORD) \
	POLICYKG_TEST_SERVERS=1 $(BIN)/python -m pytest; rc=$$?; services/run stop; exit $$rc

test-embedded: $(STAMP)
	$(BIN)/python -m pytest

serve: $(STAMP)
	POLICYKG_DATA_DIR=$(DATA) $(BIN)/policykg serve

clean:
	rm -rf $(DATA) $(VENV)
