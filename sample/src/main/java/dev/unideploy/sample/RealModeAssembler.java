package dev.unideploy.sample;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of a 16-bit x86 assembler for {@link SampleUnikernel}: each method emits one
 * instruction whose encoding (from the Intel SDM, volume 2) is spelled out beside it, plus labels
 * resolved in a second pass. Nothing here is general; it exists so the sample image is built from
 * readable source instead of an opaque blob.
 */
final class RealModeAssembler {
  private final int origin;
  private final ByteArrayOutputStream code = new ByteArrayOutputStream();
  private final Map<String, Integer> labels = new HashMap<>();
  private final List<Fixup> fixups = new ArrayList<>();
  private final Map<String, Integer> external;

  private record Fixup(int at, String label, Kind kind) {}

  private enum Kind {
    REL8,
    REL16,
    ABS16
  }

  /**
   * @param origin the address the code is loaded at (0x7C00 for a boot sector)
   * @param external labels defined in another, already assembled piece (stage 1 routines)
   */
  RealModeAssembler(int origin, Map<String, Integer> external) {
    this.origin = origin;
    this.external = Map.copyOf(external);
  }

  /** The current address. */
  int here() {
    return origin + code.size();
  }

  void label(String name) {
    if (labels.putIfAbsent(name, here()) != null) {
      throw new IllegalStateException("label defined twice: " + name);
    }
  }

  /** Defines a label at a fixed address outside this piece of code. */
  void labelAt(String name, int address) {
    if (labels.putIfAbsent(name, address) != null) {
      throw new IllegalStateException("label defined twice: " + name);
    }
  }

  /** Absolute addresses of every label, after {@link #assemble()}. */
  Map<String, Integer> labels() {
    return Map.copyOf(labels);
  }

  // ---- data -------------------------------------------------------------------------------

  void db(int... bytes) {
    for (int b : bytes) {
      code.write(b);
    }
  }

  void dw(int v) {
    db(v & 0xff, (v >>> 8) & 0xff);
  }

  void dd(long v) {
    dw((int) v & 0xffff);
    dw((int) (v >>> 16) & 0xffff);
  }

  void dq(long v) {
    dd(v & 0xffffffffL);
    dd(v >>> 32);
  }

  /** A zero-terminated ASCII string. */
  void asciz(String s) {
    for (byte b : s.getBytes(StandardCharsets.US_ASCII)) {
      code.write(b);
    }
    code.write(0);
  }

  /** A 16-byte int 13h extended-read Disk Address Packet (EDD 3.0, "Device Address Packet"). */
  void diskAddressPacket(int sectors, int bufferOffset, long lba) {
    db(0x10, 0x00); // packet size 16, reserved
    dw(sectors); // number of blocks to transfer
    dw(bufferOffset); // buffer offset
    dw(0x0000); // buffer segment
    dq(lba); // starting logical block address
  }

  // ---- instructions (16-bit operand and address size) ------------------------------------

  void cli() {
    db(0xFA); // FA: CLI
  }

  void sti() {
    db(0xFB); // FB: STI
  }

  void cld() {
    db(0xFC); // FC: CLD
  }

  void hlt() {
    db(0xF4); // F4: HLT
  }

  void ret() {
    db(0xC3); // C3: RET (near)
  }

  void lodsb() {
    db(0xAC); // AC: LODSB  al = [ds:si++]
  }

  void pushAx() {
    db(0x50); // 50+rw: PUSH AX
  }

  void popAx() {
    db(0x58); // 58+rw: POP AX
  }

  void pushDx() {
    db(0x52); // 50+rw: PUSH DX
  }

  void incCx() {
    db(0x41); // 40+rw: INC CX
  }

  void xorAxAx() {
    db(0x31, 0xC0); // 31 /r: XOR r/m16, r16   ModRM 11 000 000 = ax, ax
  }

  void xorCxCx() {
    db(0x31, 0xC9); // 31 /r  ModRM 11 001 001 = cx, cx
  }

  void xorDxDx() {
    db(0x31, 0xD2); // 31 /r  ModRM 11 010 010 = dx, dx
  }

  void xorBxBx() {
    db(0x31, 0xDB); // 31 /r  ModRM 11 011 011 = bx, bx
  }

  void xorDiDi() {
    db(0x31, 0xFF); // 31 /r  ModRM 11 111 111 = di, di
  }

  void xorAhAh() {
    db(0x30, 0xE4); // 30 /r: XOR r/m8, r8  ModRM 11 100 100 = ah, ah
  }

  void movDsAx() {
    db(0x8E, 0xD8); // 8E /r: MOV Sreg, r/m16  ModRM 11 011(ds) 000(ax)
  }

  void movEsAx() {
    db(0x8E, 0xC0); // 8E /r  ModRM 11 000(es) 000(ax)
  }

  void movSsAx() {
    db(0x8E, 0xD0); // 8E /r  ModRM 11 010(ss) 000(ax)
  }

  void movSpImm(int v) {
    db(0xBC); // B8+rw iw: MOV SP, imm16
    dw(v);
  }

  void movSiImm(int v) {
    db(0xBE); // B8+rw iw: MOV SI, imm16
    dw(v);
  }

  void movSiLabel(String label) {
    db(0xBE); // B8+rw iw: MOV SI, imm16 (address of label)
    abs16(label);
  }

  void movDxImm(int v) {
    db(0xBA); // B8+rw iw: MOV DX, imm16
    dw(v);
  }

  void movBxImm(int v) {
    db(0xBB); // B8+rw iw: MOV BX, imm16
    dw(v);
  }

  void movCxImm(int v) {
    db(0xB9); // B8+rw iw: MOV CX, imm16
    dw(v);
  }

  void movAlImm(int v) {
    db(0xB0, v); // B0+rb ib: MOV AL, imm8
  }

  void movAhImm(int v) {
    db(0xB4, v); // B0+rb ib: MOV AH, imm8
  }

  void movMemDl(String label) {
    db(0x88, 0x16); // 88 /r: MOV r/m8, r8  ModRM 00 010(dl) 110(disp16)
    abs16(label);
  }

  void movDlMem(String label) {
    db(0x8A, 0x16); // 8A /r: MOV r8, r/m8  ModRM 00 010(dl) 110(disp16)
    abs16(label);
  }

  void movAxAbs(int address) {
    db(0xA1); // A1: MOV AX, moffs16
    dw(address);
  }

  void movAxMem(String label) {
    db(0xA1); // A1: MOV AX, moffs16
    abs16(label);
  }

  void movMemAx(String label) {
    db(0xA3); // A3: MOV moffs16, AX
    abs16(label);
  }

  void subAxMem(String label) {
    db(0x2B, 0x06); // 2B /r: SUB r16, r/m16  ModRM 00 000(ax) 110(disp16)
    abs16(label);
  }

  void cmpAxImm(int v) {
    db(0x3D); // 3D iw: CMP AX, imm16
    dw(v);
  }

  void cmpBxMem(String label) {
    db(0x3B, 0x1E); // 3B /r: CMP r16, r/m16  ModRM 00 011(bx) 110(disp16)
    abs16(label);
  }

  void cmpDiMem(String label) {
    db(0x3B, 0x3E); // 3B /r  ModRM 00 111(di) 110(disp16)
    abs16(label);
  }

  void incWordMem(String label) {
    db(0xFF, 0x06); // FF /0: INC r/m16  ModRM 00 000 110(disp16)
    abs16(label);
  }

  void addBxAx() {
    db(0x01, 0xC3); // 01 /r: ADD r/m16, r16  ModRM 11 000(ax) 011(bx): bx += ax
  }

  void addDiBx() {
    db(0x01, 0xDF); // 01 /r  ModRM 11 011(bx) 111(di): di += bx
  }

  void addAlImm(int v) {
    db(0x04, v); // 04 ib: ADD AL, imm8
  }

  void testAlAl() {
    db(0x84, 0xC0); // 84 /r: TEST r/m8, r8  ModRM 11 000 000
  }

  void testAxAx() {
    db(0x85, 0xC0); // 85 /r: TEST r/m16, r16  ModRM 11 000 000
  }

  void testAlImm(int v) {
    db(0xA8, v); // A8 ib: TEST AL, imm8
  }

  void divBx() {
    db(0xF7, 0xF3); // F7 /6: DIV r/m16  ModRM 11 110 011(bx): dx:ax / bx
  }

  void outDxAl() {
    db(0xEE); // EE: OUT DX, AL
  }

  void inAlDx() {
    db(0xEC); // EC: IN AL, DX
  }

  void int13() {
    db(0xCD, 0x13); // CD ib: INT 13h (BIOS disk services)
  }

  /** A far jump to 0000:label, to make CS 0 whatever CS:IP the BIOS used (07C0:0000 exists). */
  void jmpFarSeg0(String label) {
    db(0xEA); // EA cd: JMP ptr16:16
    abs16(label);
    dw(0x0000);
  }

  void call(String label) {
    db(0xE8); // E8 cw: CALL rel16
    rel16(label);
  }

  void jmp(String label) {
    db(0xE9); // E9 cw: JMP rel16
    rel16(label);
  }

  void jmpShort(String label) {
    db(0xEB); // EB cb: JMP rel8
    rel8(label);
  }

  void jz(String label) {
    db(0x74); // 74 cb: JZ rel8
    rel8(label);
  }

  void jnz(String label) {
    db(0x75); // 75 cb: JNZ rel8
    rel8(label);
  }

  void jc(String label) {
    db(0x72); // 72 cb: JC/JB rel8
    rel8(label);
  }

  void jb(String label) {
    jc(label);
  }

  void jneNear(String label) {
    db(0x0F, 0x85); // 0F 85 cw: JNE rel16
    rel16(label);
  }

  void loop(String label) {
    db(0xE2); // E2 cb: LOOP rel8 (dec cx; jump if cx != 0)
    rel8(label);
  }

  // ---- assembly ---------------------------------------------------------------------------

  private void rel8(String label) {
    fixups.add(new Fixup(code.size(), label, Kind.REL8));
    db(0);
  }

  private void rel16(String label) {
    fixups.add(new Fixup(code.size(), label, Kind.REL16));
    dw(0);
  }

  private void abs16(String label) {
    fixups.add(new Fixup(code.size(), label, Kind.ABS16));
    dw(0);
  }

  /** Resolves labels and returns the machine code. */
  byte[] assemble() {
    byte[] out = code.toByteArray();
    for (Fixup f : fixups) {
      Integer target =
          labels.containsKey(f.label()) ? labels.get(f.label()) : external.get(f.label());
      if (target == null) {
        throw new IllegalStateException("undefined label " + f.label());
      }
      switch (f.kind()) {
        case ABS16 -> put16(out, f.at(), target);
        case REL16 -> put16(out, f.at(), target - (origin + f.at() + 2));
        case REL8 -> {
          int rel = target - (origin + f.at() + 1);
          if (rel < -128 || rel > 127) {
            throw new IllegalStateException("short jump to " + f.label() + " out of range: " + rel);
          }
          out[f.at()] = (byte) rel;
        }
      }
    }
    return out;
  }

  private static void put16(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
  }
}
