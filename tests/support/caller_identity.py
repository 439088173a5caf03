"""`aws sts get-caller-identity` through botocore, with whatever credentials the environment
holds (those ssox gave it). Prints the caller's ARN."""
import botocore.session

sts = botocore.session.Session().create_client("sts", region_name="us-east-1")
print(sts.get_caller_identity()["Arn"])
