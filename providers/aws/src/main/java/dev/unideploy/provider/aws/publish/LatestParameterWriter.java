package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.util.Optional;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * Points an SSM parameter in each region at the AMI just published, so launch templates can say
 * {@code resolve:ssm:/unideploy/app/latest}. The parameter has data type {@code aws:ec2:image}, so
 * SSM checks that the value is an AMI id this account can use
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html).
 * An unchanged value is not written again (each write would add a parameter version).
 */
public final class LatestParameterWriter {
  private final AwsClients clients;
  private final AwsCall calls;
  private final EventSink events;

  public LatestParameterWriter(AwsClients clients, AwsCall calls, EventSink events) {
    this.clients = clients;
    this.calls = calls;
    this.events = events;
  }

  /** The parameter name for {@code app} from the template ({app} is replaced). */
  public static String name(String template, String app) {
    String n = template.replace("{app}", app);
    return n.startsWith("/") || !n.contains("/") ? n : "/" + n;
  }

  /** Writes {@code imageId} to {@code name} in {@code region}; returns whether it changed. */
  public boolean write(String region, String name, String imageId) {
    Optional<String> current = read(region, name);
    if (current.isPresent() && current.get().equals(imageId)) {
      events.emit(LogEvent.debug("share", region + ": " + name + " already points at " + imageId));
      return false;
    }
    calls.run(
        region,
        "PutParameter",
        () ->
            clients
                .ssm(region)
                .putParameter(
                    p ->
                        p.name(name)
                            .value(imageId)
                            .type(ParameterType.STRING)
                            .dataType("aws:ec2:image")
                            .overwrite(true)
                            .description("newest AMI of this app, written by unideploy")));
    events.emit(
        LogEvent.info(
            "share",
            region
                + ": "
                + name
                + " -> "
                + imageId
                + current.map(c -> " (was " + c + ")").orElse(" (new parameter)")));
    return true;
  }

  /** The parameter's current value, if it exists. */
  public Optional<String> read(String region, String name) {
    try {
      return Optional.of(
          calls.call(
              region,
              "GetParameter",
              () -> clients.ssm(region).getParameter(g -> g.name(name)).parameter().value()));
    } catch (AwsCallException e) {
      if (e.hasCode("ParameterNotFound")) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
