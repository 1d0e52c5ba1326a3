package dev.unideploy.it.aws.fleet;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.TagDescription;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.LaunchTemplate;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;

/**
 * Everything of a kind a deploy makes, as moto holds it now, whoever made it: every Auto Scaling
 * group, every version of every launch template, every target registered in every target group and
 * every instance that is not terminated. What a leak looks for: nothing here is filtered by what
 * unideploy believes it made.
 */
record MotoInventory(
    Map<String, Group> groups,
    List<TemplateVersion> templateVersions,
    Map<String, Set<String>> targets,
    Map<String, Instance> instances) {

  /** An Auto Scaling group: its tags, desired size, instances and target groups. */
  record Group(
      String name,
      Map<String, String> tags,
      int desired,
      Set<String> instances,
      Set<String> targetGroups) {}

  /** A launch template version: its template's tags, number and description. */
  record TemplateVersion(
      String template, Map<String, String> templateTags, long number, String description) {}

  /** An instance that is not terminated: its state and tags. */
  record Instance(String id, String state, Map<String, String> tags) {}

  static MotoInventory of(URI endpoint) {
    try (AutoScalingClient asg = MotoNetwork.autoScaling(endpoint);
        Ec2Client ec2 = MotoNetwork.ec2(endpoint);
        ElasticLoadBalancingV2Client elb = MotoNetwork.elb(endpoint)) {
      Map<String, Group> groups = new TreeMap<>();
      for (AutoScalingGroup g : asg.describeAutoScalingGroupsPaginator().autoScalingGroups()) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (TagDescription t : g.tags()) {
          tags.put(t.key(), t.value());
        }
        Set<String> members = new TreeSet<>();
        g.instances().forEach(i -> members.add(i.instanceId()));
        groups.put(
            g.autoScalingGroupName(),
            new Group(
                g.autoScalingGroupName(),
                tags,
                g.desiredCapacity(),
                members,
                new TreeSet<>(g.targetGroupARNs())));
      }
      List<TemplateVersion> versions = new ArrayList<>();
      for (LaunchTemplate t : ec2.describeLaunchTemplatesPaginator().launchTemplates()) {
        Map<String, String> tags = tags(t.tags());
        for (LaunchTemplateVersion v :
            ec2.describeLaunchTemplateVersionsPaginator(
                    r -> r.launchTemplateId(t.launchTemplateId()))
                .launchTemplateVersions()) {
          versions.add(
              new TemplateVersion(
                  t.launchTemplateName(), tags, v.versionNumber(), v.versionDescription()));
        }
      }
      Map<String, Set<String>> targets = new TreeMap<>();
      for (TargetGroup tg : elb.describeTargetGroupsPaginator().targetGroups()) {
        Set<String> ids = new TreeSet<>();
        elb.describeTargetHealth(r -> r.targetGroupArn(tg.targetGroupArn()))
            .targetHealthDescriptions()
            .forEach(d -> ids.add(d.target().id()));
        targets.put(tg.targetGroupArn(), ids);
      }
      Map<String, Instance> instances = new TreeMap<>();
      ec2.describeInstancesPaginator()
          .reservations()
          .forEach(
              r ->
                  r.instances().stream()
                      .filter(i -> !i.state().nameAsString().equals("terminated"))
                      .forEach(
                          i ->
                              instances.put(
                                  i.instanceId(),
                                  new Instance(
                                      i.instanceId(), i.state().nameAsString(), tags(i.tags())))));
      return new MotoInventory(groups, versions, targets, instances);
    }
  }

  private static Map<String, String> tags(List<Tag> tags) {
    Map<String, String> out = new LinkedHashMap<>();
    tags.forEach(t -> out.put(t.key(), t.value()));
    return out;
  }
}
