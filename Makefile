# IAM Portal — the two commands of the quick start, and a few helpers.
#   make run   create .venv, install, migrate, load the demo, serve on 127.0.0.1:8000
#              (make run HOST=0.0.0.0 PORT=8211: another address or port; the sign-in URLs
#              loaddemo prints follow, through IAMPORTAL_BASE_URL)
#   make test  create .venv, install the dev requirements, run the whole suite
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Where URLs printed outside a request (loaddemo) point; pages build theirs from the request.
IAMPORTAL_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test demo migrate check bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

demo: migrate
	IAMPORTAL_BASE_URL=$(IAMPORTAL_BASE_URL) $(PY) manage.py loaddemo

run: demo
	IAMPORTAL_BASE_URL=$(IAMPORTAL_BASE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

check: $(VENV)/.installed-dev
	IAMPORTAL_DEBUG=false IAMPORTAL_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(50))') \
	IAMPORTAL_ALLOWED_HOSTS=iam.example.com $(PY) manage.py check --deploy --fail-level WARNING

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/engine.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
