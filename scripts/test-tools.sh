#!/usr/bin/env bash
# Installs what the integration tests start or call besides cargo: real servers for the
# object-store tests (moto's S3 server from PyPI; Azurite's blob service from npm, with Azure's
# Python client to upload to it) and the validators of the JUnit and JSON-schema tests
# (xmlschema, jsonschema). Those tests fail, saying what to install, when a tool is missing.
# Seconds when everything is already there; about a minute on a new machine. Needs python3 with
# pip and npm.
set -euo pipefail

python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    'moto[server]~=5.2.1' 'azure-storage-blob~=12.31' 'xmlschema~=4.1' 'jsonschema~=4.26'
npm install --global --silent --no-audit --no-fund azurite@3.35.0
