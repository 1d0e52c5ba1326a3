package dev.unideploy.provider.aws.upload;

import dev.unideploy.provider.aws.http.HttpResult;
import dev.unideploy.provider.aws.http.RequestSender;
import dev.unideploy.provider.aws.http.SignedHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/**
 * DescribeSnapshots for one snapshot as a signed EC2 Query request
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshots.html), read with a
 * StAX parser that accepts no DTD and no external entity. Building the SDK's {@code Ec2Client} and
 * running its first call cost an upload about a second of CPU for this one call (BENCHMARKS.md,
 * "AWS upload"). Errors become the SDK's {@link Ec2Exception}, with EC2's error code.
 */
public final class HttpSnapshotDescriber implements SnapshotDescriber {
  private static final String VERSION = "2016-11-15";
  private static final Pattern SNAPSHOT_ID = Pattern.compile("snap-[0-9a-zA-Z]{1,64}");

  private final RequestSender http;

  /**
   * @param http ({@link SignedHttp} in production) the EC2 endpoint of the snapshot's region,
   *     signing as service {@code ec2}
   */
  public HttpSnapshotDescriber(RequestSender http) {
    this.http = http;
  }

  @Override
  public Optional<SnapshotInfo> describe(String snapshotId) {
    if (!SNAPSHOT_ID.matcher(snapshotId).matches()) {
      throw new IllegalArgumentException("not an EBS snapshot id: " + snapshotId);
    }
    byte[] body =
        ("Action=DescribeSnapshots&Version=" + VERSION + "&SnapshotId.1=" + snapshotId)
            .getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    HttpResult response =
        http.send(
            "DescribeSnapshots",
            "POST",
            "/",
            headers,
            body,
            HexFormat.of().formatHex(BlockDigests.sha256().digest(body)));
    Map<String, String> fields = snapshotFields(response.body(), response.status());
    if (response.status() / 100 != 2) {
      String code = fields.get("Code");
      if ("InvalidSnapshot.NotFound".equals(code)) {
        return Optional.empty();
      }
      throw (Ec2Exception)
          Ec2Exception.builder()
              .statusCode(response.status())
              .awsErrorDetails(
                  AwsErrorDetails.builder()
                      .errorCode(code)
                      .errorMessage(fields.get("Message"))
                      .serviceName("Ec2")
                      .build())
              .message(
                  (code == null ? "HTTP " + response.status() : code)
                      + (fields.get("Message") == null ? "" : ": " + fields.get("Message")))
              .build();
    }
    if (fields.get("snapshotId") == null) {
      return Optional.empty(); // an empty snapshotSet: EC2 no longer lists it
    }
    return Optional.of(
        new SnapshotInfo(
            fields.get("snapshotId"),
            fields.get("status"),
            fields.get("progress"),
            fields.get("statusMessage")));
  }

  /**
   * The leaf fields directly under the first {@code item} of the answer (a snapshot's snapshotId,
   * status, progress, statusMessage (the XML name of StateMessage); its nested tags are skipped),
   * or, in an error answer (no item), the first error's {@code Code} and {@code Message}.
   */
  static Map<String, String> snapshotFields(byte[] xml, int status) {
    Map<String, String> fields = new HashMap<>();
    XMLInputFactory factory = XMLInputFactory.newFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    try {
      XMLStreamReader r = factory.createXMLStreamReader(new ByteArrayInputStream(xml));
      int depth = 0;
      int itemDepth = -1;
      boolean hadChild = false;
      StringBuilder text = new StringBuilder();
      while (r.hasNext()) {
        int event = r.next();
        if (event == XMLStreamConstants.START_ELEMENT) {
          depth++;
          hadChild = false;
          text.setLength(0);
          if (itemDepth < 0 && r.getLocalName().equals("item")) {
            itemDepth = depth;
          }
        } else if (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA) {
          text.append(r.getText());
        } else if (event == XMLStreamConstants.END_ELEMENT) {
          String name = r.getLocalName();
          boolean leaf = !hadChild;
          if (leaf && itemDepth > 0 && depth == itemDepth + 1) {
            fields.putIfAbsent(name, text.toString().trim());
          } else if (leaf && itemDepth < 0 && (name.equals("Code") || name.equals("Message"))) {
            fields.putIfAbsent(name, text.toString().trim());
          }
          if (depth == itemDepth) {
            break; // the first snapshot item is complete
          }
          depth--;
          hadChild = true; // the parent of this element has a child
          text.setLength(0);
        }
      }
      return fields;
    } catch (XMLStreamException e) {
      throw SdkClientException.builder()
          .message("DescribeSnapshots answered HTTP " + status + " with a body that is not XML")
          .cause(new IOException(e))
          .build();
    }
  }
}
