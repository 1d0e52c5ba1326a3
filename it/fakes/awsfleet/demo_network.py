"""Creates the network a hand-run `deploy --provider aws` needs on the awsfleet fake.

A VPC in 127.3.0.0/16 (a loopback range, so that the instances' private IPs are addresses of this
machine, where the fake serves their guest ports), two subnets, a security group, an HTTP target
group on port 80 with a short deregistration delay, and a load balancer forwarding to it. Prints
the ids as shell assignments for .emulators/env. Run with the Python moto is installed in (it has
boto3): scripts/emulators.sh awsfleet does.
"""

import argparse

import boto3


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--name", default="demo")
    args = p.parse_args()
    kw = dict(
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    ec2 = boto3.client("ec2", **kw)
    elb = boto3.client("elbv2", **kw)
    vpc = ec2.create_vpc(CidrBlock="127.3.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="127.3.%d.0/24" % i, AvailabilityZone=az)["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "us-east-1a"), (2, "us-east-1b"))
    ]
    sg = ec2.create_security_group(VpcId=vpc, GroupName=args.name, Description=args.name)["GroupId"]
    tg = elb.create_target_group(
        Name=args.name,
        Protocol="HTTP",
        Port=80,
        VpcId=vpc,
        HealthCheckProtocol="HTTP",
        HealthCheckPath="/",
        HealthCheckIntervalSeconds=5,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    # Seconds rather than the default 300: a detached group drains quickly by hand too.
    elb.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "3"}],
    )
    lb = elb.create_load_balancer(Name=args.name, Subnets=subnets, SecurityGroups=[sg])[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    print("AWSFLEET_SUBNET=%s" % subnets[0])
    print("AWSFLEET_SECURITY_GROUP=%s" % sg)
    print("AWSFLEET_TARGET_GROUP=%s" % tg)


if __name__ == "__main__":
    main()
