"""Where this fake parts from moto: GetConsoleOutput answers the instance's real serial console,
DescribeTargetHealth answers what probing the instance found (moto calls every registered target
healthy), a deregistered target drains for its target group's deregistration delay (moto drops it
at once), RegisterImage keeps the root snapshot it named (see disks.py),
DeleteLaunchTemplateVersions works (moto does not implement it), and an instance that Auto Scaling
terminates leaves its target groups."""

import base64
import io
import re
import time
from urllib.parse import parse_qsl

from moto.core.responses import ActionResult
from moto.core.types import Base64EncodedString
from moto.core.utils import utcnow
from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateBackend
from moto.ec2.responses.general import General
from moto.ec2.responses.launch_templates import LaunchTemplates
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup


def install(runtime):
    original_health_for = FakeTargetGroup.health_for
    original_deregister = FakeTargetGroup.deregister

    def get_console_output(self):
        instance_id = self._get_param("InstanceId")
        instance = self.ec2_backend.get_instance(instance_id)  # the API's error when unknown
        output = base64.b64encode(runtime.console(instance.id)).decode("ascii")
        return ActionResult({"InstanceId": instance.id, "Timestamp": utcnow(),
                             "Output": Base64EncodedString(output)})

    def health_for(self, target, ec2_backend):
        instance_id = target["Id"]
        registered = self.targets.get(instance_id)
        port = target.get("Port") or (registered or {}).get("Port") or self.port
        if registered is not None:
            instance = ec2_backend.get_instance_by_id(instance_id)
            if instance is not None and instance.state == "running":
                state, reason, description = runtime.target_health(
                    self, instance_id, instance.image_id)
                return FakeHealthStatus(instance_id, port, self.health_check_port, state,
                                        reason, description)
        else:
            since = runtime.deregistered_at(self.arn, instance_id)
            delay = float(self.attributes.get("deregistration_delay.timeout_seconds", "300"))
            if since is not None and time.monotonic() - since < delay:
                return FakeHealthStatus(instance_id, port, self.health_check_port, "draining",
                                        "Target.DeregistrationInProgress",
                                        "Target deregistration is in progress")
        return original_health_for(self, target, ec2_backend)

    def deregister(self, targets):
        ids = [t["Id"] for t in targets if t["Id"] in self.targets]
        original_deregister(self, targets)
        runtime.mark_deregistered(self.arn, ids)

    install_launch_template_version_deletion()
    install_deregistration_on_termination()
    General.get_console_output = get_console_output
    FakeTargetGroup.health_for = health_for
    FakeTargetGroup.deregister = deregister


class RecordImages:
    """WSGI middleware: notes each RegisterImage's and CopyImage's parameters and the image id
    moto answered with."""

    IMAGE_ID = re.compile(rb"<imageId>(ami-[0-9a-f]+)</imageId>")

    def __init__(self, app, disks):
        self.app = app
        self.disks = disks

    def __call__(self, environ, start_response):
        if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        params = dict(parse_qsl(body.decode("utf-8", "replace")))
        action = params.get("Action")
        if action not in ("RegisterImage", "CopyImage"):
            return self.app(environ, start_response)
        status = {}

        def capture(s, headers, exc_info=None):
            status["code"] = s
            return start_response(s, headers, exc_info)

        out = b"".join(self.app(environ, capture))
        found = self.IMAGE_ID.search(out)
        if found and status.get("code", "").startswith("200"):
            ami = found.group(1).decode()
            if action == "RegisterImage":
                self.disks.registered(ami, params)
            else:
                self.disks.copied(params.get("SourceImageId"), ami)
        return [out]


def install_launch_template_version_deletion():
    """DeleteLaunchTemplateVersions as EC2 documents it: a deleted version is gone from
    DescribeLaunchTemplateVersions and cannot be launched from; the default version is refused
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html).
    moto numbers versions by their place in a list, so deleted ones stay there, marked."""
    deleted = set()  # (template id, version number)
    original_describe = LaunchTemplateBackend.describe_launch_template_versions
    original_get_version = LaunchTemplate.get_version

    def describe_launch_template_versions(self, *args, **kwargs):
        return [(t, v) for t, v in original_describe(self, *args, **kwargs)
                if (t.id, v.number) not in deleted]

    def get_version(self, num):
        version = original_get_version(self, num)
        if (self.id, version.number) in deleted:
            from moto.ec2.exceptions import InvalidLaunchTemplateVersionNotFound
            raise InvalidLaunchTemplateVersionNotFound(template_id=self.id, version=num)
        return version

    def delete_launch_template_versions(self):
        name = self._get_param("LaunchTemplateName")
        template_id = self._get_param("LaunchTemplateId")
        template = (self.ec2_backend.get_launch_template_by_name(name) if name
                    else self.ec2_backend.get_launch_template(template_id))
        ok, failed = [], []
        for raw in self._get_param("Versions", []):
            entry = {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name}
            try:
                number = int(raw)
            except ValueError:
                number = None
            if (number is None or not 1 <= number <= len(template.versions)
                    or (template.id, number) in deleted):
                failed.append({**entry, "VersionNumber": number or 0, "ResponseError": {
                    "Code": "launchTemplateVersionDoesNotExist",
                    "Message": f"The specified launch template version {raw} does not exist"}})
            elif template.default_version_number == number:
                failed.append({**entry, "VersionNumber": number, "ResponseError": {
                    "Code": "launchTemplateVersionIsDefaultVersion",
                    "Message": "The default version of a launch template cannot be deleted"}})
            else:
                deleted.add((template.id, number))
                ok.append({**entry, "VersionNumber": number})
        return ActionResult({"SuccessfullyDeletedLaunchTemplateVersions": ok,
                             "UnsuccessfullyDeletedLaunchTemplateVersions": failed})

    LaunchTemplateBackend.describe_launch_template_versions = describe_launch_template_versions
    LaunchTemplate.get_version = get_version
    LaunchTemplates.delete_launch_template_versions = delete_launch_template_versions


def install_deregistration_on_termination():
    """Auto Scaling deregisters an instance from the group's target groups before it terminates it
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html), and a
    terminated instance is no target anywhere. moto drops terminated targets only on the
    TerminateInstances API call, so instances that Auto Scaling itself terminated (scale-in,
    TerminateInstanceInAutoScalingGroup, a deleted group) stayed registered and were reported
    healthy. Here every termination, whoever asks for it, removes the instance's registrations."""
    from moto.ec2.models.instances import InstanceBackend
    from moto.elbv2.models import elbv2_backends

    original_terminate = InstanceBackend.terminate_instances

    def terminate_instances(self, instance_ids):
        terminated = original_terminate(self, instance_ids)
        ids = [instance.id for instance, _ in terminated]
        if ids:
            elbv2_backends[self.account_id][self.region_name].notify_terminate_instances(ids)
        return terminated

    InstanceBackend.terminate_instances = terminate_instances
