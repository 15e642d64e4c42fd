# The commands of the README. Everything installs into .venv (the demo into .venv-demo); nothing is installed globally.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint typecheck test-fast test-slow test-e2e e2e-deps iac-tools docs bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(PYTHON) -m venv $(VENV)-checkov
	$(VENV)-checkov/bin/pip install --quiet --upgrade pip
	$(VENV)-checkov/bin/pip install --quiet "$$($(BIN)/python tools/extra_requirement.py checkov)"
	touch $@

## system-packages, system-packages-demo: the Debian packages `make test` or `make demo` needs
## (tools/system-packages.sh: installs the missing ones as root, otherwise prints the apt-get command)
.PHONY: system-packages system-packages-demo
system-packages:
	tools/system-packages.sh test

system-packages-demo:
	tools/system-packages.sh demo

## demo: generate a project (data generator -> print), build and test it, run the job locally;
## then the default project (Kinesis -> Kinesis) against a local Kinesis emulator. Its own small
## environment, .venv-demo: msf-scaffold and the Kinesis client of the demo extra, no dev tools.
DEMO_VENV := .venv-demo
demo: system-packages-demo $(DEMO_VENV)/.installed e2e-deps
	$(DEMO_VENV)/bin/python tools/demo.py

$(DEMO_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/pip install --quiet -e '.[demo]'
	touch $@

## test: lint, type checks, the freshness report, then every test tier
test: system-packages lint typecheck freshness test-fast test-slow test-e2e

lint: install renovate-check actionlint
	$(BIN)/ruff check src tests tools benchmarks

typecheck: install
	$(BIN)/mypy

## unit and render tiers, in parallel (the render tier runs Renovate's validator, actionlint and hclfmt on
## generated projects)
test-fast: install renovate-deps .tools/bin/actionlint iac-tools
	$(BIN)/pytest -n 2 -m "not compile and not demo and not network and not iac and not e2e and not browser" --durations=25

## compile, demo, network, iac and browser tiers: Maven builds of generated projects, catalog
## coordinates on Maven Central, cdk synth and checkov, the serve page in headless Chromium; two
## workers, a test file each at a time, so that the other tiers run while the compile tier's reactor builds
test-slow: install e2e-deps iac-tools
	$(BIN)/pytest -n 2 --dist loadfile -m "compile or demo or network or iac or browser" -rxX

## iac-tools: hclfmt, HCL's formatter (what `terraform fmt` applies), built with Go into .tools/bin
# v2.23.0: the HCL that Terraform 1.11 formats with, and it builds with Debian's Go 1.19 too.
HCLFMT_VERSION := v2.23.0
iac-tools: .tools/bin/hclfmt

.tools/bin/hclfmt: Makefile
	GOBIN=$(CURDIR)/.tools/bin go install github.com/hashicorp/hcl/v2/cmd/hclfmt@$(HCLFMT_VERSION)

.PHONY: actionlint release-tags release

## actionlint: lint this repository's GitHub Actions workflows with actionlint, built with Go into .tools/bin
# v1.7.7: the newest release whose module builds with Go 1.18 and later (Debian's Go 1.19 too);
# v1.7.8 and later need Go 1.24.
ACTIONLINT_VERSION := v1.7.7
actionlint: .tools/bin/actionlint
	.tools/bin/actionlint .github/workflows/*.yml

.tools/bin/actionlint: Makefile
	GOBIN=$(CURDIR)/.tools/bin go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

## release-tags: create the annotated v<version> tag of every release that has none (docs/releasing.md)
release-tags: install
	$(BIN)/python tools/release.py tags

## release: prepare the next release, make release VERSION=x.y.z: bump the version, name CHANGELOG's
## Unreleased section; then commit and push to main, and the release workflow tags and publishes
release: install
	$(BIN)/python tools/release.py prepare "$(VERSION)"

## e2e-deps: the e2e tier's npm packages (kinesis-local) into tests/e2e/node_modules
e2e-deps: tests/e2e/node_modules/.installed

tests/e2e/node_modules/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund
	touch $@

.PHONY: renovate-deps renovate-check

## renovate-deps: Renovate's config validator (npm renovate) into tools/renovate/node_modules
renovate-deps: tools/renovate/node_modules/.installed

# --ignore-scripts: the validator needs none of renovate's native add-ons (re2, better-sqlite3).
tools/renovate/node_modules/.installed: tools/renovate/package.json tools/renovate/package-lock.json
	npm ci --prefix tools/renovate --ignore-scripts --no-audit --no-fund
	touch $@

## renovate-check: renovate.json against Renovate's own validator, as a repository config (--strict)
# Run in the repository root without a file argument: given a path, the validator checks it as a
# global (self-hosted) config and lets through options that a repository's renovate.json may not set.
renovate-check: renovate-deps renovate.json
	tools/renovate/node_modules/.bin/renovate-config-validator --strict

## test-e2e: generated jobs against real services started natively (Kafka broker, Kinesis emulator)
test-e2e: install e2e-deps
	$(BIN)/pytest -m e2e -rxX

.PHONY: freshness

## freshness: newer releases of the catalog's pins that fit each Flink line (a report, see README)
# `-`: it never fails the build. A release published upstream is news for the next catalog update,
# not a defect of this commit, and an unreachable registry must not turn a green build red.
freshness: install
	-$(BIN)/msf-scaffold freshness

## serve: start the web front door, msf-scaffold serve, on http://127.0.0.1:8080/ (docs/serve.md)
.PHONY: serve
serve: install
	$(BIN)/msf-scaffold serve

## bench: measure generation, builds, verification and the job; print a table, write docs/performance.md
bench: install
	$(BIN)/python -m benchmarks

## docs: regenerate docs/options.md, docs/compatibility.md and the matrix sizes in docs/testing.md
docs: install
	$(BIN)/python -m msf_scaffold.docs
	$(BIN)/python -m tests.matrix_docs

clean:
	rm -rf $(VENV) $(VENV)-checkov $(DEMO_VENV) .tools .demo .pytest_cache .mypy_cache .ruff_cache tests/e2e/node_modules tools/renovate/node_modules
