package dev.unideploy.provider.aws.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.function.BiConsumer;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Walks the XML answers of the AWS APIs unideploy calls without the SDK (S3, STS): each element's
 * path ({@code ListBucketResult/Contents/Key}) with its text. The parser accepts no DTD and no
 * external entity, and is only given bodies the HTTP client already bounded.
 */
public final class AwsXml {
  private AwsXml() {}

  /**
   * Calls {@code sink} with the path and text of every element, in document order, as it closes.
   *
   * @throws IOException the body is empty or not well-formed XML
   */
  public static void leaves(byte[] xml, BiConsumer<String, String> sink) throws IOException {
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
              sink.accept(path.toString(), text.toString());
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
