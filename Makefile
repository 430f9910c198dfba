# The two commands of README.md: `make run` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test eval bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/python -m pytest

# Answer quality on ../shared/data (see README, "Evaluation"); LIMIT distractors, 5000 by default.
LIMIT ?= 5000
DATA ?= ../shared/data
eval: $(STAMP)
	$(BIN)/python -m retrieval eval --articles $(DATA)/qa/viquad-dev-articles.jsonl \
		--questions $(DATA)/qa/viquad-dev-questions.jsonl \
		--distractors $(DATA)/news/baomoi-2017.jsonl.gz --limit $(LIMIT) $(EVAL_FLAGS)

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
