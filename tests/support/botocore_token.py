"""Loads the SSO token of profile argv[1] with botocore's own SSOTokenProvider (which refreshes
a token with under 15 minutes left and writes it back) and prints the access token. HOME and
AWS_ENDPOINT_URL_SSO_OIDC come from the environment the test sets."""
import sys

import botocore.session
from botocore.tokens import SSOTokenProvider

session = botocore.session.Session(profile=sys.argv[1])
token = SSOTokenProvider(session).load_token()
print(token.get_frozen_token().token)
