#!/usr/bin/env bash
# The Debian packages that `make demo` or `make test` needs, installed when this machine lacks them.
#
#   tools/system-packages.sh demo   # git, make, Python's venv, JDK 17, Node.js and npm
#   tools/system-packages.sh test   # the same, plus Maven, Go, PostgreSQL, MariaDB and Chromium
#
# Each need is found by its command on PATH (the PostgreSQL server by its initdb under
# /usr/lib/postgresql/<major>/bin, where Debian puts it; POSTGRESQL_LIB names another directory).
# With nothing missing it prints nothing and exits 0. As root on a machine with apt-get it
# installs what is missing; otherwise it prints the one command that does and exits 1.
set -euo pipefail

purpose=${1:-}
case "$purpose" in
  demo | test) ;;
  *)
    echo "usage: $0 demo|test (the Debian packages that make demo or make test needs)" >&2
    exit 2
    ;;
esac

packages=() # Debian packages to install, each once
missing=()  # what was not found: a command, "python3 -m venv" or the PostgreSQL server's initdb
need() {    # need PACKAGE WHAT
  missing+=("$2")
  local package
  for package in "${packages[@]}"; do
    [[ $package == "$1" ]] && return 0
  done
  packages+=("$1")
}
has() { command -v "$1" >/dev/null 2>&1; }

# Both: the generator's virtual environment, the generated project's first git commit and its
# build with the Maven Wrapper on JDK 17; Node.js runs kinesis-mock, the demo's Kinesis emulator.
has git || need git git
has make || need make make
if ! has python3; then
  need python3 python3
  need python3-venv "python3 -m venv"
elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need python3-venv "python3 -m venv"
fi
has java || need openjdk-17-jdk-headless java
has javac || need openjdk-17-jdk-headless javac
has node || need nodejs node
has npm || need npm npm

if [[ $purpose == test ]]; then
  # The e2e tier resolves the Kafka broker's jars with Maven; Go builds actionlint and hclfmt.
  has mvn || need maven mvn
  has go || need golang-go go
  # The e2e tier runs the CDC sources against PostgreSQL and MariaDB servers.
  compgen -G "${POSTGRESQL_LIB:-/usr/lib/postgresql}/*/bin/initdb" >/dev/null || need postgresql initdb
  has mariadbd || need mariadb-server mariadbd
  # The browser test (marker browser) drives the serve page in headless Chromium with chromedriver.
  has chromium || need chromium chromium
  has chromedriver || need chromium-driver chromedriver
fi

((${#packages[@]})) || exit 0
printf -v not_found '%s, ' "${missing[@]}"
not_found=${not_found%, }

if [[ $EUID -eq 0 ]] && has apt-get; then
  echo "make $purpose: installing ${packages[*]} (not found: $not_found)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
  exit 0
fi

command="sudo apt-get update && sudo apt-get install -y ${packages[*]}"
{
  echo "make $purpose needs Debian packages that are not installed: ${packages[*]}"
  echo "(not found: $not_found)"
  if has apt-get; then
    echo "Install them with this command, then run make $purpose again:"
  else
    echo "This machine has no apt-get: install their equivalents with its package manager, then run"
    echo "make $purpose again. On Debian or Ubuntu the command is:"
  fi
  echo "    $command"
} >&2
exit 1
