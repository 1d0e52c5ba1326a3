package dev.unideploy.provider.aws.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3XmlTest {
  private static byte[] xml(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsTheKeysAndTheNextPagesToken() throws IOException {
    S3Xml.ListPage page =
        S3Xml.listPage(
            xml(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<Name>team-state</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount>"
                    + "<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
                    + "<Contents><Key>p/a.json</Key><ETag>&quot;x&quot;</ETag><Size>3</Size>"
                    + "<Owner><ID>o</ID></Owner></Contents>"
                    + "<Contents><Key>p/b &amp; c.json</Key><Size>4</Size></Contents>"
                    + "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
                    + "</NextContinuationToken></ListBucketResult>"));
    assertThat(page.keys()).containsExactly("p/a.json", "p/b & c.json");
    assertThat(page.nextToken()).isEqualTo("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  }

  @Test
  void theLastPageHasNoTokenAndAnEmptyListingNoKeys() throws IOException {
    S3Xml.ListPage last =
        S3Xml.listPage(
            xml(
                "<ListBucketResult><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>"
                    + "<Contents><Key> spaced key </Key></Contents>"
                    + "<NextContinuationToken>ignored</NextContinuationToken>"
                    + "</ListBucketResult>"));
    assertThat(last.keys()).containsExactly(" spaced key ");
    assertThat(last.nextToken()).isNull();
    S3Xml.ListPage empty =
        S3Xml.listPage(
            xml(
                "<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"
                    + "</ListBucketResult>"));
    assertThat(empty.keys()).isEmpty();
  }

  @Test
  void urlEncodedKeysAreDecodedWhenS3SaysSo() throws IOException {
    S3Xml.ListPage page =
        S3Xml.listPage(
            xml(
                "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false"
                    + "</IsTruncated><Contents><Key>p/a+b%2Bc%01%E2%82%AC</Key></Contents>"
                    + "</ListBucketResult>"));
    assertThat(page.keys()).containsExactly("p/a b+c\u0001\u20ac");
  }

  @Test
  void aTruncatedPageWithoutATokenOrAnotherDocumentIsRefused() {
    assertThatThrownBy(
            () ->
                S3Xml.listPage(
                    xml("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")))
        .hasMessageContaining("without NextContinuationToken");
    assertThatThrownBy(() -> S3Xml.listPage(xml("<html><body>proxy says no</body></html>")))
        .hasMessageContaining("not a ListBucketResult");
    assertThatThrownBy(() -> S3Xml.listPage(xml("<ListBucketResult><Contents><Key>cut")))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> S3Xml.listPage(new byte[0])).isInstanceOf(IOException.class);
  }

  @Test
  void refusesDoctypesEntityExpansionAndExternalEntities(@TempDir Path dir) throws IOException {
    Path secret = Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET");
    String external =
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \""
            + secret.toUri()
            + "\">]><ListBucketResult><IsTruncated>false</IsTruncated>"
            + "<Contents><Key>&x;</Key></Contents></ListBucketResult>";
    assertThatThrownBy(() -> S3Xml.listPage(xml(external)))
        .isInstanceOf(IOException.class)
        .hasMessageNotContaining("TOP-SECRET");
    StringBuilder laughs = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE r [");
    laughs.append("<!ENTITY l0 \"lol\">");
    for (int i = 1; i < 10; i++) {
      laughs.append("<!ENTITY l").append(i).append(" \"");
      laughs.append(("&l" + (i - 1) + ";").repeat(10)).append("\">");
    }
    laughs.append("]><ListBucketResult><Contents><Key>&l9;</Key></Contents></ListBucketResult>");
    assertThatThrownBy(() -> S3Xml.listPage(xml(laughs.toString())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("DOCTYPE");
    // An error body with a DTD is not read either: the status alone describes it.
    assertThat(S3Xml.error(xml(external.replace("ListBucketResult", "Error"))))
        .isEqualTo(new S3Xml.Error(null, null));
  }

  @Test
  void readsAnErrorsCodeAndMessage() {
    assertThat(
            S3Xml.error(
                xml(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect"
                        + "</Code><Message>The bucket you are attempting to access must be"
                        + " addressed using the specified endpoint.</Message>"
                        + "<Endpoint>team-state.s3.eu-west-1.amazonaws.com</Endpoint>"
                        + "<Bucket>team-state</Bucket><RequestId>R</RequestId></Error>")))
        .isEqualTo(
            new S3Xml.Error(
                "PermanentRedirect",
                "The bucket you are attempting to access must be addressed using the specified"
                    + " endpoint."));
    assertThat(S3Xml.error(xml("<html>502 Bad Gateway</html>")))
        .isEqualTo(new S3Xml.Error(null, null));
    assertThat(S3Xml.error(new byte[0])).isEqualTo(new S3Xml.Error(null, null));
  }
}
