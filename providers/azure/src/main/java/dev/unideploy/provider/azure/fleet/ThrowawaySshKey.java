package dev.unideploy.provider.azure.fleet;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

/**
 * An OpenSSH public key line whose private key is discarded at once: Azure requires a credential in
 * the OS profile of a generalized Linux image, and a unikernel never reads it, so the key only has
 * to be valid (RSA 2048, which every region accepts). Format: RFC 4253, section 6.6.
 */
final class ThrowawaySshKey {
  private ThrowawaySshKey() {}

  static String generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return line((RSAPublicKey) g.generateKeyPair().getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot generate an RSA key", e);
    }
  }

  static String line(RSAPublicKey key) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      string(out, "ssh-rsa".getBytes(StandardCharsets.US_ASCII));
      mpint(out, key.getPublicExponent());
      mpint(out, key.getModulus());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "ssh-rsa " + Base64.getEncoder().encodeToString(buf.toByteArray()) + " unideploy-unused";
  }

  private static void mpint(DataOutputStream out, BigInteger v) throws IOException {
    string(out, v.toByteArray()); // two's complement, big-endian: what mpint is
  }

  private static void string(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }
}
