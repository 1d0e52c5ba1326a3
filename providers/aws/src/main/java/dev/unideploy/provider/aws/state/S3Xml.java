package dev.unideploy.provider.aws.state;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads the two XML answers the state store gets from S3: a ListObjectsV2 page
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html) and an error body
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). The parser accepts no DTD
 * and no external entity, and only bodies the HTTP client already bounded.
 */
final class S3Xml {
  private S3Xml() {}

  /** One page of a listing: its keys in the order S3 gave them, and the token of the next. */
  record ListPage(List<String> keys, String nextToken) {}

  /** An error answer's {@code Code} and {@code Message}; either may be null. */
  record Error(String code, String message) {}

  /**
   * @throws IOException the body is not a well-formed ListBucketResult
   */
  static ListPage listPage(byte[] xml) throws IOException {
    List<String> keys = new ArrayList<>();
    Map<String, String> top = new HashMap<>();
    parse(
        xml,
        (path, text) -> {
          if (path.equals("ListBucketResult/Contents/Key")) {
            keys.add(text);
          } else if (path.startsWith("ListBucketResult/") && path.indexOf('/', 17) < 0) {
            top.put(path.substring(17), text.trim());
          }
        });
    if (!top.containsKey("IsTruncated") && keys.isEmpty() && !top.containsKey("KeyCount")) {
      throw new IOException("the answer is not a ListBucketResult");
    }
    // Asked with encoding-type=url, S3 encodes the keys (they may hold characters XML 1.0 cannot).
    if ("url".equals(top.get("EncodingType"))) {
      keys.replaceAll(k -> URLDecoder.decode(k, StandardCharsets.UTF_8));
    }
    boolean truncated = "true".equals(top.get("IsTruncated"));
    String token = top.get("NextContinuationToken");
    if (truncated && (token == null || token.isEmpty())) {
      throw new IOException("a truncated ListBucketResult without NextContinuationToken");
    }
    return new ListPage(keys, truncated ? token : null);
  }

  /** The code and message of an S3 error body; both null when the body is not one. */
  static Error error(byte[] xml) {
    Map<String, String> fields = new HashMap<>();
    try {
      parse(
          xml,
          (path, text) -> {
            if (path.equals("Error/Code") || path.equals("Error/Message")) {
              fields.putIfAbsent(path.substring(6), text.trim());
            }
          });
    } catch (IOException notXml) {
      // a proxy's HTML page or an empty 5xx: the status code alone has to do
    }
    return new Error(fields.get("Code"), fields.get("Message"));
  }

  private interface LeafSink {
    void leaf(String path, String text);
  }

  private static void parse(byte[] xml, LeafSink sink) throws IOException {
    if (xml.length == 0) {
      throw new IOException("the answer is empty");
    }
    try {
      SAXParserFactory factory = SAXParserFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
      factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      SAXParser parser = factory.newSAXParser();
      parser.parse(
          new ByteArrayInputStream(xml),
          new DefaultHandler() {
            private final StringBuilder path = new StringBuilder();
            private final StringBuilder text = new StringBuilder();

            @Override
            public void startElement(String uri, String local, String qName, Attributes a) {
              if (path.length() > 0) {
                path.append('/');
              }
              path.append(local);
              text.setLength(0);
            }

            @Override
            public void characters(char[] ch, int start, int length) {
              text.append(ch, start, length);
            }

            @Override
            public void endElement(String uri, String local, String qName) {
              sink.leaf(path.toString(), text.toString());
              text.setLength(0);
              int slash = path.lastIndexOf("/");
              path.setLength(Math.max(slash, 0));
            }
          });
    } catch (SAXException | ParserConfigurationException e) {
      throw new IOException("the answer is not well-formed XML: " + e.getMessage(), e);
    }
  }
}
