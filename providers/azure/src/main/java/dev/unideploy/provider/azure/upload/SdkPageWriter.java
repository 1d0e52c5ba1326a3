package dev.unideploy.provider.azure.upload;

import com.azure.core.http.HttpClient;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.PageRange;
import com.azure.storage.blob.models.PageRangeItem;
import com.azure.storage.blob.options.ListPageRangesOptions;
import com.azure.storage.blob.specialized.PageBlobClient;
import com.azure.storage.blob.specialized.SpecializedBlobClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Put Page and Get Page Ranges through the Azure Storage SDK's {@link PageBlobClient}. */
public final class SdkPageWriter implements PageWriter {
  private final PageBlobClient blob;
  private final Duration timeout;

  public SdkPageWriter(PageBlobClient blob, Duration timeout) {
    this.blob = blob;
    this.timeout = timeout;
  }

  /** A writer for a blob reached by a SAS URL (the managed disk's upload URL). */
  public static SdkPageWriter forSasUrl(
      String sasUrl, HttpClient http, int maxTries, Duration timeout) {
    PageBlobClient client =
        new SpecializedBlobClientBuilder()
            .endpoint(sasUrl)
            .httpClient(http)
            .retryOptions(retries(maxTries, timeout))
            .buildPageBlobClient();
    return new SdkPageWriter(client, timeout);
  }

  static RequestRetryOptions retries(int maxTries, Duration timeout) {
    return new RequestRetryOptions(
        RetryPolicyType.EXPONENTIAL,
        maxTries,
        timeout,
        Duration.ofMillis(500),
        Duration.ofSeconds(30),
        null);
  }

  @Override
  public void putPages(long offset, byte[] buf, int length) {
    if (length > PagePlan.WINDOW || length % PagePlan.PAGE != 0 || offset % PagePlan.PAGE != 0) {
      throw new IllegalArgumentException(
          "Put Page of " + length + " bytes at " + offset + " breaks Azure's 512 B / 4 MiB rules");
    }
    blob.uploadPagesWithResponse(
        new PageRange().setStart(offset).setEnd(offset + length - 1),
        new ByteArrayInputStream(buf, 0, length),
        md5(buf, length),
        null,
        timeout,
        Context.NONE);
  }

  @Override
  public List<long[]> pageRanges() {
    List<long[]> out = new ArrayList<>();
    for (PageRangeItem r :
        blob.listPageRanges(new ListPageRangesOptions(new BlobRange(0)), timeout, Context.NONE)) {
      if (!r.isClear()) {
        out.add(
            new long[] {
              r.getRange().getOffset(), r.getRange().getOffset() + r.getRange().getLength()
            });
      }
    }
    return out;
  }

  static byte[] md5(byte[] buf, int length) {
    try {
      MessageDigest d = MessageDigest.getInstance("MD5");
      d.update(buf, 0, length);
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
  }
}
