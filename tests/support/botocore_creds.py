"""Resolves profile argv[1] with botocore's full credential chain (as the AWS CLI and every
Python SDK user does) and prints access key, secret key, token and method, one a line."""
import sys

import botocore.session

creds = botocore.session.Session(profile=sys.argv[1]).get_credentials()
frozen = creds.get_frozen_credentials()
print(frozen.access_key)
print(frozen.secret_key)
print(frozen.token)
print(creds.method)
