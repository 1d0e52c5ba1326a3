package dev.unideploy.sample;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds a tiny bootable legacy-BIOS disk image from source held in this class: the demo guest and
 * the test subject of every conversion and boot test.
 *
 * <p>Boot sector (LBA 0): sets up segments and stack, initialises COM1 (0x3F8, 115200 8N1), prints
 * a stage-1 line and loads stage 2 from LBA 1 with int 13h AH=42h (extended read, which SeaBIOS
 * serves from virtio-blk, NVMe, virtio-scsi and IDE alike). Stage 2 prints the banner, reads one
 * sector at 1 MiB and one near the end of the disk, and checks a Fletcher-16 checksum of both
 * against the value written here: a conversion that loses, shifts or truncates data prints {@code
 * PANIC: disk check failed} and halts. Otherwise it prints {@link #READY_LINE} and a heartbeat line
 * every few seconds (driven by the BIOS timer tick, with HLT in between).
 *
 * <p>The file is sparse: only the boot code and the two data sectors are written.
 */
public final class SampleUnikernel {

  /** The readiness line, followed by a space and the tag. */
  public static final String READY_LINE = "READY sample-unikernel";

  /** A regex matching the readiness line of any sample image. */
  public static final String READY_REGEX = "READY sample-unikernel";

  /** What stage 2 prints when the data check fails. */
  public static final String PANIC_LINE = "PANIC: disk check failed";

  static final int STAGE1_ORIGIN = 0x7C00;
  static final int STAGE2_ORIGIN = 0x7E00;
  static final int BUFFER = 0x9000;
  static final long DATA_LBA_A = 2048; // 1 MiB

  /** The second data sector sits this many sectors before the end of the disk. */
  static final long DATA_LBA_B_FROM_END = 64;

  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._-]{0,32}");
  private static final double BIOS_TICKS_PER_SECOND = 1193182.0 / 65536; // PIT 18.2 Hz

  /**
   * @param virtualSize disk size in bytes: a whole number of MiB, at least 2 MiB
   * @param tag printed in the banner and readiness line (e.g. a release name), [A-Za-z0-9._-]
   * @param heartbeatSeconds seconds between heartbeat lines, 1..3600
   */
  public record Options(long virtualSize, String tag, int heartbeatSeconds) {
    public Options {
      Objects.requireNonNull(tag, "tag");
      if (virtualSize < 2L << 20 || virtualSize % (1 << 20) != 0) {
        throw new IllegalArgumentException(
            "sample size must be a whole number of MiB, at least 2 MiB; was " + virtualSize);
      }
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException(
            "sample tag must be 0-32 characters of A-Z a-z 0-9 . _ -; was '" + tag + "'");
      }
      if (heartbeatSeconds < 1 || heartbeatSeconds > 3600) {
        throw new IllegalArgumentException("heartbeat must be 1..3600 s, was " + heartbeatSeconds);
      }
    }

    /** 64 MiB, tag "v1", a heartbeat every 2 s. */
    public static Options defaults() {
      return new Options(64L << 20, "v1", 2);
    }

    public Options withTag(String newTag) {
      return new Options(virtualSize, newTag, heartbeatSeconds);
    }

    public Options withVirtualSize(long size) {
      return new Options(size, tag, heartbeatSeconds);
    }
  }

  private SampleUnikernel() {}

  /** Writes the image as a sparse raw file (replacing {@code raw}) and returns its path. */
  public static Path write(Path raw, Options options) throws IOException {
    Image img = build(options);
    Path parent = raw.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.deleteIfExists(raw);
    try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
      f.setLength(options.virtualSize()); // a hole: reads as zero, costs no blocks
      f.seek(0);
      f.write(img.boot());
      f.seek(img.lbaA() * 512);
      f.write(img.sectorA());
      f.seek(img.lbaB() * 512);
      f.write(img.sectorB());
    }
    return raw;
  }

  /** The readiness line the image with these options prints. */
  public static String readyLine(Options options) {
    return options.tag().isEmpty() ? READY_LINE : READY_LINE + " " + options.tag();
  }

  /** The banner line the image prints first in stage 2. */
  public static String banner(Options options) {
    return "unideploy sample unikernel "
        + (options.tag().isEmpty() ? "" : options.tag() + " ")
        + "(legacy BIOS, 16-bit real mode)";
  }

  /** The assembled pieces: boot code for LBA 0.., and the two data sectors and where they go. */
  record Image(byte[] boot, long lbaA, byte[] sectorA, long lbaB, byte[] sectorB) {}

  static Image build(Options options) {
    long sectors = options.virtualSize() / 512;
    long lbaB = sectors - DATA_LBA_B_FROM_END;
    byte[] sectorA = dataSector(options.tag(), DATA_LBA_A);
    byte[] sectorB = dataSector(options.tag(), lbaB);
    int[] sum = fletcher16(sectorA, sectorB);

    // Stage 2 first (it needs only stage 1's routine addresses, which are fixed by layout), so
    // stage 1 knows how many sectors to load.
    RealModeAssembler layout = stage1(1);
    byte[] probe = layout.assemble();
    Map<String, Integer> stage1Labels = layout.labels();
    byte[] stage2 = stage2(options, stage1Labels, lbaB, sum).assemble();
    int stage2Sectors = (stage2.length + 511) / 512;
    RealModeAssembler s1 = stage1(stage2Sectors);
    byte[] stage1 = s1.assemble();
    if (probe.length != stage1.length) {
      throw new IllegalStateException("stage 1 layout depends on the sector count");
    }
    if (stage1.length > 446) {
      throw new IllegalStateException("stage 1 is " + stage1.length + " bytes, over 446");
    }
    byte[] boot = new byte[512 * (1 + stage2Sectors)];
    System.arraycopy(stage1, 0, boot, 0, stage1.length);
    boot[510] = 0x55; // boot signature checked by the BIOS
    boot[511] = (byte) 0xAA;
    System.arraycopy(stage2, 0, boot, 512, stage2.length);
    return new Image(boot, DATA_LBA_A, sectorA, lbaB, sectorB);
  }

  private static RealModeAssembler stage1(int stage2Sectors) {
    RealModeAssembler a = new RealModeAssembler(STAGE1_ORIGIN, Map.of());
    a.label("start");
    a.cli(); // no interrupts while the stack moves
    a.xorAxAx();
    a.movDsAx(); // ds = es = ss = 0: labels are absolute addresses
    a.movEsAx();
    a.movSsAx();
    a.movSpImm(STAGE1_ORIGIN); // stack grows down from below the boot sector
    a.sti();
    a.cld(); // lodsb walks forward
    a.jmpFarSeg0("main"); // cs = 0 too
    a.label("main");
    a.movMemDl("drive"); // the BIOS passes the boot drive number in dl
    a.call("serial_init");
    a.movSiLabel("msg_stage1");
    a.call("print");
    a.movSiLabel("dap_stage2");
    a.call("read_disk");
    a.jmp("stage2_entry_far"); // stage 2 starts right at 0x7E00
    // read_disk: int 13h AH=42h with the packet at ds:si; on error print and halt.
    a.label("read_disk");
    a.movAhImm(0x42);
    a.movDlMem("drive");
    a.int13();
    a.jc("disk_error");
    a.ret();
    a.label("disk_error");
    a.movSiLabel("msg_disk_error");
    a.call("print");
    a.label("halt");
    a.cli();
    a.hlt(); // interrupts off: stays here for good
    a.jmpShort("halt");
    // serial_init: COM1 at 115200 8N1, FIFO on, no interrupts (we poll the line status).
    a.label("serial_init");
    outb(a, 0x3F9, 0x00); // IER: no UART interrupts
    outb(a, 0x3FB, 0x80); // LCR: DLAB=1 to reach the divisor latch
    outb(a, 0x3F8, 0x01); // DLL: divisor 1 = 115200 baud
    outb(a, 0x3F9, 0x00); // DLM
    outb(a, 0x3FB, 0x03); // LCR: 8 data bits, no parity, 1 stop bit, DLAB=0
    outb(a, 0x3FA, 0xC7); // FCR: enable and clear FIFOs
    outb(a, 0x3FC, 0x03); // MCR: DTR and RTS
    a.ret();
    // print: writes the zero-terminated string at ds:si.
    a.label("print");
    a.lodsb();
    a.testAlAl();
    a.jz("print_done");
    a.call("putc");
    a.jmpShort("print");
    a.label("print_done");
    a.ret();
    // putc: waits for the transmit holding register to empty (LSR bit 5), then sends al.
    a.label("putc");
    a.pushAx();
    a.movDxImm(0x3FD); // LSR
    a.label("putc_wait");
    a.inAlDx();
    a.testAlImm(0x20);
    a.jz("putc_wait");
    a.popAx();
    a.movDxImm(0x3F8); // THR
    a.outDxAl();
    a.ret();
    a.label("drive");
    a.db(0x80);
    a.label("dap_stage2");
    a.diskAddressPacket(stage2Sectors, STAGE2_ORIGIN, 1);
    a.label("msg_stage1");
    a.asciz("unideploy sample: stage 1 loaded, reading stage 2 with int 13h\r\n");
    a.label("msg_disk_error");
    a.asciz("PANIC: int 13h disk read failed\r\n");
    // A near jump needs a label; stage 2's entry is a fixed address just past this sector.
    a.labelAt("stage2_entry_far", STAGE2_ORIGIN);
    return a;
  }

  private static void outb(RealModeAssembler a, int port, int value) {
    a.movDxImm(port);
    a.movAlImm(value);
    a.outDxAl();
  }

  private static RealModeAssembler stage2(
      Options options, Map<String, Integer> stage1, long lbaB, int[] expected) {
    RealModeAssembler a = new RealModeAssembler(STAGE2_ORIGIN, stage1);
    int ticks = Math.max(1, (int) Math.round(options.heartbeatSeconds() * BIOS_TICKS_PER_SECOND));
    a.movSiLabel("msg_banner");
    a.call("print");
    a.movSiLabel("dap_a"); // the sector at 1 MiB into BUFFER
    a.call("read_disk");
    a.movSiLabel("dap_b"); // the sector near the end into BUFFER + 512
    a.call("read_disk");
    // Fletcher-16 over the 1024 bytes: bx = sum of bytes, di = sum of the running sums.
    a.movSiImm(BUFFER);
    a.movCxImm(1024);
    a.xorBxBx();
    a.xorDiDi();
    a.label("sum_loop");
    a.lodsb();
    a.xorAhAh(); // ax = the byte
    a.addBxAx();
    a.addDiBx();
    a.loop("sum_loop");
    a.cmpBxMem("expected_a");
    a.jneNear("panic");
    a.cmpDiMem("expected_b");
    a.jneNear("panic");
    a.movSiLabel("msg_ready");
    a.call("print");
    // Heartbeat: sleep (HLT wakes on each timer tick) until the BIOS tick count at 0040:006C
    // has advanced by `ticks`, then print "heartbeat N".
    a.label("heartbeat");
    a.sti();
    a.movAxAbs(0x046C);
    a.movMemAx("last_tick");
    a.label("hb_wait");
    a.hlt();
    a.movAxAbs(0x046C);
    a.subAxMem("last_tick");
    a.cmpAxImm(ticks);
    a.jb("hb_wait");
    a.incWordMem("beats");
    a.movSiLabel("msg_heartbeat");
    a.call("print");
    a.movAxMem("beats");
    a.call("print_dec");
    a.movSiLabel("msg_crlf");
    a.call("print");
    a.jmp("heartbeat");
    a.label("panic");
    a.movSiLabel("msg_panic");
    a.call("print");
    a.jmp("halt");
    // print_dec: ax in decimal; pushes the digits least significant first, pops them in order.
    a.label("print_dec");
    a.movBxImm(10);
    a.xorCxCx();
    a.label("dec_div");
    a.xorDxDx();
    a.divBx(); // ax = ax / 10, dx = ax % 10
    a.pushDx();
    a.incCx();
    a.testAxAx();
    a.jnz("dec_div");
    a.label("dec_out");
    a.popAx();
    a.addAlImm('0');
    a.call("putc"); // putc keeps cx
    a.loop("dec_out");
    a.ret();
    a.label("expected_a");
    a.dw(expected[0]);
    a.label("expected_b");
    a.dw(expected[1]);
    a.label("last_tick");
    a.dw(0);
    a.label("beats");
    a.dw(0);
    a.label("dap_a");
    a.diskAddressPacket(1, BUFFER, DATA_LBA_A);
    a.label("dap_b");
    a.diskAddressPacket(1, BUFFER + 512, lbaB);
    a.label("msg_banner");
    a.asciz(banner(options) + "\r\n");
    a.label("msg_ready");
    a.asciz(
        "disk check ok (LBA "
            + DATA_LBA_A
            + " and LBA "
            + lbaB
            + ")\r\n"
            + readyLine(options)
            + "\r\n");
    a.label("msg_heartbeat");
    a.asciz("heartbeat ");
    a.label("msg_crlf");
    a.asciz("\r\n");
    a.label("msg_panic");
    a.asciz(PANIC_LINE + " (data at LBA " + DATA_LBA_A + " or " + lbaB + " is wrong)\r\n");
    return a;
  }

  /**
   * A data sector: a readable header (so a hex dump shows what it is) followed by bytes from a
   * linear congruential generator seeded by the LBA and tag, so every sample's data differs and a
   * sector read from the wrong place fails the check.
   */
  static byte[] dataSector(String tag, long lba) {
    byte[] s = new byte[512];
    byte[] header =
        ("unideploy sample data, LBA " + lba + ", tag " + tag + "\n")
            .getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(header, 0, s, 0, Math.min(header.length, 128));
    long x = lba * 0x9E3779B97F4A7C15L ^ tag.hashCode();
    for (int i = 128; i < 512; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      s[i] = (byte) (x >>> 56);
    }
    return s;
  }

  /** Fletcher-16 (16-bit sums) over the concatenated sectors, as stage 2 computes it. */
  static int[] fletcher16(byte[]... parts) {
    int a = 0;
    int b = 0;
    for (byte[] p : parts) {
      for (byte v : p) {
        a = (a + (v & 0xff)) & 0xffff;
        b = (b + a) & 0xffff;
      }
    }
    return new int[] {a, b};
  }
}
