"""Creates a container on an Azurite blob endpoint and uploads files into it.

    python3 azurite_upload.py ENDPOINT CONTAINER DIR PREFIX

uploads every file under DIR as PREFIX/RELATIVE-PATH, in reverse order of names (so a listing
has to sort them), with the emulator's well-known account and key. Needs
`pip install azure-storage-blob`.
"""

import os
import sys

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient

endpoint, container, root, prefix = sys.argv[1:5]
# Azurite's documented development account and key, the same for every installation.
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
service = BlobServiceClient(
    account_url=f"{endpoint}/{ACCOUNT}",
    credential={"account_name": ACCOUNT, "account_key": KEY},
)
try:
    service.create_container(container)
except ResourceExistsError:
    pass
client = service.get_container_client(container)
names = []
for dirpath, _, files in os.walk(root):
    for name in files:
        path = os.path.join(dirpath, name)
        names.append(os.path.relpath(path, root).replace(os.sep, "/"))
for name in sorted(names, reverse=True):
    with open(os.path.join(root, name), "rb") as data:
        client.upload_blob(f"{prefix}/{name}", data, overwrite=True)
