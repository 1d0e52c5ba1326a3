package dev.unideploy.provider.azure.state;

import dev.unideploy.provider.azure.core.StorageRest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * One page of a List Blobs answer: the names on it and the marker of the next page
 * (https://learn.microsoft.com/rest/api/storageservices/list-blobs).
 *
 * @param next the {@code NextMarker}, or null on the last page
 */
record BlobListing(List<String> names, String next) {

  /**
   * @throws IllegalArgumentException when {@code xml} is not a List Blobs answer
   */
  static BlobListing parse(byte[] xml) {
    try {
      Element root = StorageRest.parse(xml).getDocumentElement();
      if (!root.getTagName().equals("EnumerationResults")) {
        throw new IllegalArgumentException("its root is <" + root.getTagName() + ">");
      }
      List<String> names = new ArrayList<>();
      NodeList blobs = root.getElementsByTagName("Blob");
      for (int i = 0; i < blobs.getLength(); i++) {
        NodeList name = ((Element) blobs.item(i)).getElementsByTagName("Name");
        if (name.getLength() == 0) {
          throw new IllegalArgumentException("a <Blob> has no <Name>");
        }
        Element n = (Element) name.item(0);
        String text = n.getTextContent();
        // Names with characters XML cannot hold come percent-encoded.
        names.add(
            "true".equals(n.getAttribute("Encoded"))
                ? URLDecoder.decode(text, StandardCharsets.UTF_8)
                : text);
      }
      NodeList marker = root.getElementsByTagName("NextMarker");
      String next = marker.getLength() == 0 ? null : marker.item(0).getTextContent().strip();
      return new BlobListing(names, next == null || next.isEmpty() ? null : next);
    } catch (SAXException | IOException e) {
      throw new IllegalArgumentException("it is not well-formed XML without a DTD", e);
    }
  }
}
