# The two commands of README.md: `make run` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check eval train bench clean

# constraints.txt is the whole lock: installed as it is (--no-deps, nothing resolved again), then
# pip check proves it complete and consistent. Resolving instead warns on every install that
# lxml 6.1.3 has no 'html_clean' extra (jusText asks for it; lxml_html_clean is in the lock).
PIP := $(BIN)/python -m pip --disable-pip-version-check
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --no-deps -r constraints.txt
	$(PIP) install --quiet --no-deps -e '.[test,bench]'
	$(PIP) check --quiet
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

test: check
	$(BIN)/python -m pytest

# Lint, import order and types: clean on the whole tree (make test runs it first).
check: $(STAMP)
	$(BIN)/ruff check retrieval bot tests bench
	$(BIN)/mypy

# Answer quality on both dev sets of ../shared/data (see README, "Evaluation"); LIMIT distractors,
# 5000 by default. The shipped ranker was fitted on these sets: `make train` prints the honest,
# cross-validated figures (and refits retrieval/answer/ranker.json).
LIMIT ?= 5000
DATA ?= ../shared/data
eval: $(STAMP)
	for set in viquad news; do \
		$(BIN)/python -m retrieval eval --articles $(DATA)/qa/$$set-dev-articles.jsonl \
			--questions $(DATA)/qa/$$set-dev-questions.jsonl \
			--distractors $(DATA)/news/baomoi-2017.jsonl.gz --limit $(LIMIT) $(EVAL_FLAGS) || exit 1; \
	done

train: $(STAMP)
	$(BIN)/python -m retrieval train --data $(DATA) --limit $(LIMIT)

# Speed (bench/RESULTS.md): SIZE distractor articles, 5000 by default (the full run: SIZE=35439).
# Needs ../shared/data; corpora are ingested once into data/eval/ and reused.
SIZE ?= 5000
bench: $(STAMP)
	$(BIN)/python bench/query.py --size $(SIZE)
	$(BIN)/python bench/answer.py --size $(SIZE)
	$(BIN)/python bench/startup.py --size $(SIZE)
	$(BIN)/python bench/ingest.py --limit $(SIZE)

clean:
	rm -rf $(VENV) .pytest_cache
