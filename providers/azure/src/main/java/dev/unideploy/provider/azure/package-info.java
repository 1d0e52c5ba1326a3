/**
 * Azure provider: fixed VHD uploads into managed disks or page blobs, Azure Compute Gallery image
 * versions replicated per region, retention of the app's old versions.
 */
package dev.unideploy.provider.azure;
