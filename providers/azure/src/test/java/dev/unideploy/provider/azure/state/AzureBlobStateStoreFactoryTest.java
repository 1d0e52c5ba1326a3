package dev.unideploy.provider.azure.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AzureBlobStateStoreFactoryTest {
  private static final String KEY = AzureBlobObjectStoreTest.KEY;
  private static final DeployConfig CONFIG = DeployConfig.of("web", "1.0.0");

  private static void open(Map<String, String> env, String location) {
    new AzureBlobStateStoreFactory(env::get).open(URI.create(location), CONFIG);
  }

  @Test
  void aBrokenConnectionStringIsNamedButNeverQuoted() {
    String secret = "AccountName=acct;AccountKey=not*base64-secret";
    assertThatThrownBy(
            () -> open(Map.of("AZURE_STORAGE_CONNECTION_STRING", secret), "azblob://acct/state"))
        .isInstanceOf(UnideployException.class)
        .hasMessage(
            "AZURE_STORAGE_CONNECTION_STRING is not a storage connection string (the account key"
                + " is not base64): copy it again from the storage account's Access keys page")
        .hasMessageNotContaining("secret");
  }

  @Test
  void aConnectionStringOfAnotherAccountIsRefused() {
    assertThatThrownBy(
            () ->
                open(
                    Map.of(
                        "AZURE_STORAGE_CONNECTION_STRING", "AccountName=other;AccountKey=" + KEY),
                    "azblob://acct/state/team"))
        .hasMessageStartingWith(
            "AZURE_STORAGE_CONNECTION_STRING is for account 'other', but state: names account"
                + " 'acct'")
        .hasMessageNotContaining(KEY);
  }

  @Test
  void anAccountKeyThatIsNotBase64IsRefusedWithoutQuotingIt() {
    assertThatThrownBy(
            () -> open(Map.of("AZURE_STORAGE_KEY", "not*base64-secret"), "azblob://acct/state"))
        .hasMessage(
            "AZURE_STORAGE_KEY is not a storage account key (base64): copy it again from the"
                + " storage account's Access keys page");
  }

  @Test
  void validCredentialsOpenAStoreWithoutCallingAnything() {
    open(
        Map.of(
            "AZURE_STORAGE_CONNECTION_STRING",
            "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey="
                + KEY
                + ";BlobEndpoint=http://127.0.0.1:9/acct"),
        "azblob://acct/state/team?lease=60s");
    open(Map.of("AZURE_STORAGE_KEY", KEY), "azblob://acct/state");
    assertThatThrownBy(() -> open(Map.of(), "azblob://Bad_Account/state"))
        .hasMessageContaining("does not name a storage account");
    assertThat(AzureBlobStateStoreFactory.EXAMPLE).startsWith("azblob://");
  }
}
