package dev.unideploy.provider.azure.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class BlobConnectionStringTest {
  private static final String KEY = AzureBlobObjectStoreTest.KEY;

  @Test
  void anEmulatorsStringNamesItsEndpointAndKey() {
    BlobConnectionString c =
        BlobConnectionString.parse(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
                + KEY
                + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;");
    assertThat(c.account()).isEqualTo("devstoreaccount1");
    assertThat(c.endpoint()).isEqualTo(URI.create("http://127.0.0.1:10000/devstoreaccount1"));
    assertThat(c.key()).isEqualTo(KEY);
    assertThat(c.sas()).isNull();
    assertThat(c.toString()).doesNotContain(KEY);
  }

  @Test
  void withoutBlobEndpointTheEndpointIsBuiltFromProtocolAccountAndSuffix() {
    assertThat(BlobConnectionString.parse("AccountName=acct;AccountKey=" + KEY).endpoint())
        .isEqualTo(URI.create("https://acct.blob.core.windows.net"));
    assertThat(
            BlobConnectionString.parse(
                    "defaultendpointsprotocol=http;accountname=acct;accountkey="
                        + KEY
                        + ";EndpointSuffix=core.chinacloudapi.cn")
                .endpoint())
        .isEqualTo(URI.create("http://acct.blob.core.chinacloudapi.cn"));
  }

  @Test
  void aSasStringCarriesTheQueryAndItsAccountComesFromTheEndpoint() {
    BlobConnectionString c =
        BlobConnectionString.parse(
            "BlobEndpoint=https://acct.blob.core.windows.net;"
                + "SharedAccessSignature=?sv=2021-08-06&ss=b&sig=abc%3D");
    assertThat(c.account()).isEqualTo("acct");
    assertThat(c.key()).isNull();
    assertThat(c.sas()).isEqualTo("sv=2021-08-06&ss=b&sig=abc%3D");
    assertThat(c.toString()).doesNotContain("sig=");
    assertThat(
            BlobConnectionString.parse(
                    "BlobEndpoint=http://localhost:10000/emu;SharedAccessSignature=sig=x")
                .account())
        .isEqualTo("emu");
  }

  @Test
  void developmentStorageMeansAzuritesDefaults() {
    BlobConnectionString c = BlobConnectionString.parse("UseDevelopmentStorage=true");
    assertThat(c.account()).isEqualTo("devstoreaccount1");
    assertThat(c.endpoint()).isEqualTo(URI.create("http://127.0.0.1:10000/devstoreaccount1"));
    assertThat(c.key()).isNotBlank();
  }

  @Test
  void whatIsWrongIsSaidWithoutQuotingTheString() {
    assertThatThrownBy(() -> BlobConnectionString.parse("AccountName=acct"))
        .hasMessage("it has neither AccountKey nor SharedAccessSignature");
    assertThatThrownBy(() -> BlobConnectionString.parse("https://acct.blob.core.windows.net"))
        .hasMessage("a part is not Name=Value");
    assertThatThrownBy(() -> BlobConnectionString.parse("AccountKey=" + KEY))
        .hasMessage("it has neither BlobEndpoint nor AccountName");
    assertThatThrownBy(
            () -> BlobConnectionString.parse("AccountName=acct;AccountKey=not*base64-secret"))
        .hasMessage("the account key is not base64");
    assertThatThrownBy(
            () ->
                BlobConnectionString.parse(
                    "AccountName=a;AccountKey=" + KEY + ";BlobEndpoint=ftp://h/a"))
        .hasMessage("its blob endpoint is not an http(s) URL");
    assertThatThrownBy(
            () ->
                BlobConnectionString.parse(
                    "BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sig=a b"))
        .hasMessage("its SharedAccessSignature is not a URL query");
  }
}
