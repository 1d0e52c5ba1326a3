package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Values given outside {@code unideploy.yaml}, applied over it in one place. The order, from
 * weakest to strongest: the file, then environment variables ({@link #fromEnvironment}), then
 * command-line flags. A null field leaves the value below it unchanged.
 */
public record ConfigOverrides(
    String app,
    String version,
    String image,
    String state,
    DeploySettings.Strategy strategy,
    Integer instances,
    List<Integer> ports,
    String readySerial,
    String readyHttp,
    Boolean readyTcp,
    Duration healthTimeout,
    Duration verifyTimeout,
    RolloutOverrides rollout,
    Map<String, Map<String, String>> providerSettings) {

  /**
   * Overrides of the rollout keys of {@code deploy} ({@code --bake}, {@code --steps}, ...); a null
   * field leaves the value below it unchanged.
   */
  public record RolloutOverrides(
      Duration bake,
      Integer keepPrevious,
      List<Amount> steps,
      Amount maxSurge,
      Amount maxUnavailable,
      Amount minHealthy,
      Duration timeout) {
    public RolloutOverrides {
      steps = steps == null || steps.isEmpty() ? null : List.copyOf(steps);
    }

    static final RolloutOverrides NONE =
        new RolloutOverrides(null, null, null, null, null, null, null);

    RolloutOverrides over(RolloutOverrides weaker) {
      return new RolloutOverrides(
          pick(bake, weaker.bake),
          pick(keepPrevious, weaker.keepPrevious),
          pick(steps, weaker.steps),
          pick(maxSurge, weaker.maxSurge),
          pick(maxUnavailable, weaker.maxUnavailable),
          pick(minHealthy, weaker.minHealthy),
          pick(timeout, weaker.timeout));
    }
  }

  /** The environment variables read, by the field they set. */
  public static final Map<String, String> ENVIRONMENT =
      Map.of(
          "app", "UNIDEPLOY_APP",
          "version", "UNIDEPLOY_VERSION",
          "image", "UNIDEPLOY_IMAGE",
          "state", "UNIDEPLOY_STATE",
          "strategy", "UNIDEPLOY_STRATEGY");

  public ConfigOverrides {
    ports = ports == null || ports.isEmpty() ? null : List.copyOf(ports);
    rollout = rollout == null ? RolloutOverrides.NONE : rollout;
    providerSettings = providerSettings == null ? Map.of() : Map.copyOf(providerSettings);
  }

  public static ConfigOverrides none() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The overrides the environment holds ({@link #ENVIRONMENT}); blank values are ignored. */
  public static ConfigOverrides fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    b.app = value(env, "app");
    b.version = value(env, "version");
    b.image = value(env, "image");
    b.state = value(env, "state");
    String s = value(env, "strategy");
    b.strategy = s == null ? null : DeploySettings.Strategy.parse(s);
    return b.build();
  }

  private static String value(Map<String, String> env, String field) {
    String v = env.get(ENVIRONMENT.get(field));
    return v == null || v.isBlank() ? null : v.strip();
  }

  /** These overrides over {@code weaker}: each field set here wins. */
  public ConfigOverrides over(ConfigOverrides weaker) {
    return new ConfigOverrides(
        pick(app, weaker.app),
        pick(version, weaker.version),
        pick(image, weaker.image),
        pick(state, weaker.state),
        pick(strategy, weaker.strategy),
        pick(instances, weaker.instances),
        pick(ports, weaker.ports),
        pick(readySerial, weaker.readySerial),
        pick(readyHttp, weaker.readyHttp),
        pick(readyTcp, weaker.readyTcp),
        pick(healthTimeout, weaker.healthTimeout),
        pick(verifyTimeout, weaker.verifyTimeout),
        rollout.over(weaker.rollout),
        merged(weaker.providerSettings, providerSettings));
  }

  private static Map<String, Map<String, String>> merged(
      Map<String, Map<String, String>> weak, Map<String, Map<String, String>> strong) {
    Map<String, Map<String, String>> out = new java.util.LinkedHashMap<>();
    weak.forEach((p, m) -> out.computeIfAbsent(p, k -> new java.util.LinkedHashMap<>()).putAll(m));
    strong.forEach(
        (p, m) -> out.computeIfAbsent(p, k -> new java.util.LinkedHashMap<>()).putAll(m));
    return out;
  }

  DeployConfig applyTo(DeployConfig c) {
    HealthSettings h = c.health();
    HealthSettings health =
        new HealthSettings(
            pick(readySerial, h.serial()),
            pick(readyHttp, h.http()),
            pick(readyTcp, h.tcp()),
            h.port(),
            h.panic(),
            pick(healthTimeout, h.timeout()),
            pick(verifyTimeout, h.verifyTimeout()),
            h.consecutive(),
            h.interval());
    DeploySettings d = c.deploy();
    DeploySettings deploy =
        new DeploySettings(
            pick(strategy, d.strategy()),
            pick(instances, d.instances()),
            pick(ports, d.ports()),
            pick(rollout.bake(), d.bake()),
            pick(rollout.keepPrevious(), d.keepPrevious()),
            pick(rollout.steps(), d.steps()),
            pick(rollout.maxSurge(), d.maxSurge()),
            pick(rollout.maxUnavailable(), d.maxUnavailable()),
            pick(rollout.minHealthy(), d.minHealthy()),
            pick(rollout.timeout(), d.timeout()));
    ObjectNode providers = c.providers();
    if (!providerSettings.isEmpty()) {
      providers = providers.deepCopy();
      for (Map.Entry<String, Map<String, String>> p : providerSettings.entrySet()) {
        ObjectNode section =
            providers.get(p.getKey()) instanceof ObjectNode o ? o : providers.putObject(p.getKey());
        p.getValue().forEach(section::put);
      }
    }
    return new DeployConfig(
        pick(app, c.app()),
        pick(version, c.version()),
        pick(image, c.image()),
        c.publish(),
        health,
        deploy,
        pick(state, c.state()),
        providers);
  }

  private static <T> T pick(T strong, T weak) {
    return strong != null ? strong : weak;
  }

  /** Collects overrides field by field (the command line fills one as it parses). */
  public static final class Builder {
    private String app;
    private String version;
    private String image;
    private String state;
    private DeploySettings.Strategy strategy;
    private Integer instances;
    private List<Integer> ports;
    private String readySerial;
    private String readyHttp;
    private Boolean readyTcp;
    private Duration healthTimeout;
    private Duration verifyTimeout;
    private RolloutOverrides rollout;
    private final Map<String, Map<String, String>> providerSettings =
        new java.util.LinkedHashMap<>();

    private Builder() {}

    /** Sets {@code providers.<provider>.<key>} (a flag that is shorthand for one provider key). */
    public Builder providerSetting(String provider, String key, String value) {
      providerSettings
          .computeIfAbsent(provider, p -> new java.util.LinkedHashMap<>())
          .put(key, value);
      return this;
    }

    public Builder app(String v) {
      app = v;
      return this;
    }

    public Builder version(String v) {
      version = v;
      return this;
    }

    public Builder image(String v) {
      image = v;
      return this;
    }

    public Builder state(String v) {
      state = v;
      return this;
    }

    public Builder strategy(DeploySettings.Strategy v) {
      strategy = v;
      return this;
    }

    public Builder instances(Integer v) {
      instances = v;
      return this;
    }

    public Builder ports(List<Integer> v) {
      ports = v;
      return this;
    }

    public Builder readySerial(String v) {
      readySerial = v;
      return this;
    }

    public Builder readyHttp(String v) {
      readyHttp = v;
      return this;
    }

    public Builder readyTcp(Boolean v) {
      readyTcp = v;
      return this;
    }

    public Builder healthTimeout(Duration v) {
      healthTimeout = v;
      return this;
    }

    public Builder verifyTimeout(Duration v) {
      verifyTimeout = v;
      return this;
    }

    /** The rollout keys of {@code deploy} given on the command line. */
    public Builder rollout(RolloutOverrides v) {
      rollout = v;
      return this;
    }

    public ConfigOverrides build() {
      return new ConfigOverrides(
          app,
          version,
          image,
          state,
          strategy,
          instances,
          ports,
          readySerial,
          readyHttp,
          readyTcp,
          healthTimeout,
          verifyTimeout,
          rollout,
          providerSettings);
    }
  }
}
