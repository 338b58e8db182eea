"""An S3-compatible server for the object-store tests and benchmark: moto, in server mode.

Starts moto on a free port of 127.0.0.1, creates the buckets named on the command line, prints
one JSON line (the endpoint and two sets of credentials) and serves until its standard input is
closed, which happens when the process that started it exits, however it exits.

With --auth, requests are checked the way S3 checks them: signed with a known key (moto's IAM),
and allowed by that key's policy. "key" may do anything in S3; "denied_key" is a user without
any policy. Without --auth any credentials are accepted (listing a prefix with a `/` in it is
refused by moto's signature check, so the tests of contents use the open server).

Needs `pip install 'moto[server]'`.
"""

import json
import logging
import os
import sys

auth = "--auth" in sys.argv[1:]
buckets = [a for a in sys.argv[1:] if not a.startswith("--")]
if auth:
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"

try:
    from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends
    from moto.server import ThreadedMotoServer
except ImportError as e:
    print(json.dumps({"error": f"cannot import moto ({e})"}), flush=True)
    sys.exit(1)

logging.getLogger("werkzeug").setLevel(logging.ERROR)
REGION = "us-east-1"


def user(name, may_read):
    """An IAM user with an access key; with `may_read`, allowed every S3 action."""
    iam = iam_backends[ACCOUNT]["global"]
    iam.create_user(region_name=REGION, user_name=name)
    if may_read:
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(name, "all-of-s3", json.dumps(policy))
    key = iam.create_access_key(name)
    return key.access_key_id, key.secret_access_key


if auth:
    key, secret = user("reader", True)
    denied_key, denied_secret = user("nobody", False)
else:
    key, secret = "test-key", "test-secret"
    denied_key, denied_secret = key, secret

for bucket in buckets:
    s3_backends[ACCOUNT]["aws"].create_bucket(bucket, REGION)

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(
    json.dumps(
        {
            "endpoint": f"http://{host}:{port}",
            "region": REGION,
            "key": key,
            "secret": secret,
            "denied_key": denied_key,
            "denied_secret": denied_secret,
        }
    ),
    flush=True,
)
sys.stdin.read()
server.stop()
