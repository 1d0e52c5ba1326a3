/** Azure provider: page-blob/managed-disk upload, Compute Gallery images, VMSS fleet operations. */
package dev.unideploy.provider.azure;
