package dev.unideploy.pipeline.state.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StateUrlTest {
  private static final String EXAMPLE = "s3://bucket/prefix";

  private static StateUrl parse(String url) {
    return StateUrl.parse(URI.create(url), EXAMPLE, Set.of("region"));
  }

  @Test
  void bucketPrefixAndOptions() {
    StateUrl u = parse("s3://team-state/unideploy/prod/?lease=90s&region=eu-west-1");
    assertThat(u.authority()).isEqualTo("team-state");
    assertThat(u.keyPrefix()).isEqualTo("unideploy/prod/");
    assertThat(u.lease()).isEqualTo(Duration.ofSeconds(90));
    assertThat(u.params()).containsEntry("region", "eu-west-1");
    assertThat(u.display()).isEqualTo("s3://team-state/unideploy/prod");
    assertThat(parse("s3://team-state").keyPrefix()).isEmpty();
    assertThat(parse("s3://team-state").lease()).isEqualTo(StateUrl.DEFAULT_LEASE);
  }

  @Test
  void badUrlsSayHowToWriteThem() {
    assertThatThrownBy(() -> parse("s3:///prefix")).hasMessageContaining("names no bucket");
    assertThatThrownBy(() -> parse("s3://b/a/../c")).hasMessageContaining("'..'");
    assertThatThrownBy(() -> parse("s3://b/a//c")).hasMessageContaining("empty");
    assertThatThrownBy(() -> parse("s3://b/p?lease=2s")).hasMessageContaining("6s to 1h");
    assertThatThrownBy(() -> parse("s3://b/p?lease=soon")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> parse("s3://b/p?colour=red"))
        .hasMessageContaining("option 'colour' is not known")
        .hasMessageContaining("write it like " + EXAMPLE);
  }

  @Test
  void errorsNeverShowTheQueryOrUserPart() {
    assertThatThrownBy(() -> parse("s3://b/p?sig=SECRET123")).hasMessageNotContaining("SECRET123");
    assertThatThrownBy(() -> parse("s3://user:SECRET123@b/p")).hasMessageNotContaining("SECRET123");
  }
}
