package dev.unideploy.provider.azure.publish;

import dev.unideploy.provider.azure.upload.VhdUploader;

/** Where an upload landed (a disk id or a blob URL) and what it did (null when reused). */
record UploadOutcome(String handle, VhdUploader.Result result, boolean reused) {}
