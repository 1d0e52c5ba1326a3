/**
 * The {@code gcp} provider: the disk is streamed to Cloud Storage as the Compute Engine tarball,
 * imported with images.insert, published through an image family, IAM and deprecation, and rolled
 * out as one managed instance group per release.
 */
package dev.unideploy.provider.gcp;
