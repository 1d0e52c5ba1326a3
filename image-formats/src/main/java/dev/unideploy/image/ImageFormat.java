package dev.unideploy.image;

/** Disk image formats unideploy reads or writes. */
public enum ImageFormat {
  RAW,
  QCOW2,
  VMDK,
  VHD,
  GCE_TARBALL
}
