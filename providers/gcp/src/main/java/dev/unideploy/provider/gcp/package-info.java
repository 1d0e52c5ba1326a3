/** GCP provider: GCS upload of the GCE tarball, images.insert, MIG fleet operations. */
package dev.unideploy.provider.gcp;
