/**
 * Azure provider: fixed VHD page-blob upload, gallery image versions, VMSS fleet operations.
 *
 * <p>Empty until its issue lands; the module exists so the reactor's shape matches
 * ../shared/DESIGN.md and the CLI's provider lookup already lists it as "not available yet".
 */
package dev.unideploy.provider.azure;
