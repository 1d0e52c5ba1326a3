package dev.unideploy.provider.azure.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.xml.sax.SAXException;

/**
 * What every plain Blob service REST call made without the storage SDK shares: the service version
 * it asks for, and a hardened parse of the XML it answers
 * (https://learn.microsoft.com/rest/api/storageservices/versioning-for-the-azure-storage-services).
 */
public final class StorageRest {
  /** The {@code x-ms-version} of every request: one Azurite 3.35 and Azure both serve. */
  public static final String VERSION = "2021-08-06";

  private StorageRest() {}

  /** Parses an answer's XML: it comes from the network, so no DTDs and no external entities. */
  public static Document parse(byte[] xml) throws SAXException, IOException {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser cannot be configured securely", e);
    }
  }

  /**
   * Reads {@code in} to its end and closes it, which lets HttpURLConnection keep the connection.
   */
  public static void drain(InputStream in) throws IOException {
    try (in) {
      in.transferTo(OutputStream.nullOutputStream());
    }
  }
}
