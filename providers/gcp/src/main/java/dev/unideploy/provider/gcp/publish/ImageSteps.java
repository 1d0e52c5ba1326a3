package dev.unideploy.provider.gcp.publish;

import com.google.cloud.compute.v1.ImagesClient;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.provider.gcp.api.GlobalCalls;

/** What the steps that change an app's images (family, retention) work with. */
record ImageSteps(
    ImagesClient images,
    GlobalCalls global,
    ImageFinder finder,
    EventSink events,
    String project) {}
