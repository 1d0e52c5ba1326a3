package dev.unideploy.pipeline.qemu;

import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** Connects a {@link QmpChannel} to a detached QEMU's QMP Unix socket. */
final class QmpSocket {
  private QmpSocket() {}

  /** Connects to a QMP Unix socket, waiting for QEMU to create it. */
  static QmpChannel connect(Path socket, ProcessHandle qemu, Path workDir, Duration timeout)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline) && qemu.isAlive()) {
      if (Files.exists(socket)) {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          ch.connect(UnixDomainSocketAddress.of(socket));
          // Not Channels.newInputStream/newOutputStream: on a blocking channel they share one
          // lock, so a write waits for the reader thread's pending read (forever, for QMP).
          QmpChannel qmp =
              new QmpChannel(new ChannelInput(ch), new ChannelOutput(ch), "qmp-" + qemu.pid());
          qmp.start();
          return qmp;
        } catch (IOException e) {
          ch.close(); // Socket file there but not listening yet.
        }
      }
      Thread.sleep(50);
    }
    throw new UnideployException(
        "cannot reach QEMU's monitor socket " + socket + ": see " + workDir.resolve("qemu.log"));
  }

  /** Reads a socket channel directly, so a concurrent write is never blocked by this read. */
  private static final class ChannelInput extends InputStream {
    private final SocketChannel ch;

    ChannelInput(SocketChannel ch) {
      this.ch = ch;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      return ch.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  /** Writes a socket channel directly (see {@link ChannelInput}). */
  private static final class ChannelOutput extends OutputStream {
    private final SocketChannel ch;

    ChannelOutput(SocketChannel ch) {
      this.ch = ch;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(b, off, len);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
