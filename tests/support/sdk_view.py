"""Run as PROGRAM: what botocore (the AWS CLI's SDK) sees in this environment. Prints the
region, the STS endpoint a client would call, and the CA bundle, one `key: value` a line."""
import botocore.session

session = botocore.session.Session()
print("region:", session.get_config_variable("region"))
print("sts:", session.create_client("sts").meta.endpoint_url)
print("ca_bundle:", session.get_config_variable("ca_bundle"))
