package dev.unideploy.pipeline.qemu;

/** The firmware a guest boots with: SeaBIOS (legacy) or OVMF (UEFI). */
public enum BootMode {
  BIOS,
  UEFI
}
